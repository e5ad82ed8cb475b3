import {decodeWords} from "postal-mime";
import {DocumentLoadError} from "../docs-errors.js";
import type {DocumentInput, LoadContext, LoadedDocument, Loader} from "../document-types.js";
import {htmlToText} from "./html-to-text.js";

/** Multiparts inside multiparts: saved pages nest one or two levels; past this the file is hostile. */
const MAX_MULTIPART_DEPTH = 8;

/** Where a `<meta charset>` must appear, per the HTML spec's prescan. */
const META_PRESCAN_BYTES = 1024;

/** A MIME entity with its body as a byte-per-character (latin1) string, so binary parts survive until decoded. */
interface MimePart {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

// postal-mime joins every text/html part into one page (a saved page's frames included), so the parts are split here.
function parsePart(text: string): MimePart {
  const blank = /\r?\n\r?\n/.exec(text);
  const startsBlank = /^\r?\n/.exec(text);
  if (startsBlank != null) return {headers: new Map(), body: text.slice(startsBlank[0].length)};
  const head = blank == null ? text : text.slice(0, blank.index);
  const body = blank == null ? "" : text.slice(blank.index + blank[0].length);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const field = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (field != null && !headers.has(field[1].toLowerCase())) headers.set(field[1].toLowerCase(), field[2].trim());
  }
  return {headers, body};
}

function parameter(value: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(value);
  return match == null ? undefined : (match[1] ?? match[2]);
}

function mediaType(part: MimePart): string {
  return (part.headers.get("content-type") ?? "text/plain").split(";")[0].trim().toLowerCase();
}

function childParts(body: string, boundary: string): MimePart[] {
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escaped}(--)?[ \\t]*(?:\\r?\\n|$)`, "g");
  const parts: MimePart[] = [];
  let start: number | undefined;
  for (const match of body.matchAll(delimiter)) {
    if (start != null) parts.push(parsePart(body.slice(start, match.index)));
    if (match[1] != null) return parts;
    start = match.index + match[0].length;
  }
  // A truncated file has no closing delimiter; its last part runs to the end.
  if (start != null) parts.push(parsePart(body.slice(start)));
  return parts;
}

function firstHtmlPart(part: MimePart, depth: number): MimePart | undefined {
  const type = mediaType(part);
  if (type === "text/html") return part;
  if (!type.startsWith("multipart/") || depth >= MAX_MULTIPART_DEPTH) return undefined;
  const boundary = parameter(part.headers.get("content-type") ?? "", "boundary");
  if (boundary == null) return undefined;
  for (const child of childParts(part.body, boundary)) {
    const html = firstHtmlPart(child, depth + 1);
    if (html != null) return html;
  }
  return undefined;
}

function decodeTransfer(part: MimePart): Buffer {
  const encoding = (part.headers.get("content-transfer-encoding") ?? "").trim().toLowerCase();
  if (encoding === "base64") return Buffer.from(part.body.replace(/[^A-Za-z0-9+/]/g, ""), "base64");
  if (encoding === "quoted-printable") {
    const decoded = part.body
      .replace(/=[ \t]*\r?\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(decoded, "latin1");
  }
  return Buffer.from(part.body, "latin1");
}

/** The part's charset, else a `<meta>` one near the top, else UTF-8; an unknown label also falls back to UTF-8. */
function decodeCharset(part: MimePart, bytes: Buffer): string {
  const prescan = bytes.subarray(0, META_PRESCAN_BYTES).toString("latin1");
  const label =
    parameter(part.headers.get("content-type") ?? "", "charset") ??
    /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(prescan)?.[1] ??
    "utf-8";
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(bytes);
}

/**
 * Saved web pages (.mhtml / .mht, a MIME multipart/related message): the first text/html part, decoded per its
 * Content-Transfer-Encoding and charset, becomes text through `htmlToText`; images, styles and later frames are
 * ignored. The title is the page's `<title>`, else the message's Subject; the saved URL is kept as metadata.
 */
export const mhtmlLoader: Loader = {
  formats: ["mhtml"],
  async *load(input: DocumentInput, context: LoadContext): AsyncIterable<LoadedDocument> {
    context.signal?.throwIfAborted();
    const bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    const root = parsePart(bytes.toString("latin1"));
    if (!root.headers.has("content-type")) {
      throw new DocumentLoadError(
        input.source,
        "not an MHTML page: it does not start with MIME headers (Content-Type:)"
      );
    }
    const htmlPart = firstHtmlPart(root, 0);
    if (htmlPart == null) throw new DocumentLoadError(input.source, "not an MHTML page: it has no text/html part");
    const {title: pageTitle, text} = htmlToText(decodeCharset(htmlPart, decodeTransfer(htmlPart)));
    if (text.trim() === "") throw new DocumentLoadError(input.source, "no text found: the page's HTML has no text");
    const subject = decodeWords(root.headers.get("subject") ?? "").trim();
    const title = pageTitle ?? (subject === "" ? undefined : subject);
    const url = root.headers.get("snapshot-content-location") ?? htmlPart.headers.get("content-location");
    yield {
      source: input.source,
      format: "mhtml",
      ...(title === undefined ? {} : {title}),
      ...(url === undefined || url === "" ? {} : {metadata: {url}}),
      segments: [{text: text.trim()}]
    };
  }
};
