import {detectFormat} from "../detect-format.js";
import {DocumentLoadError} from "../docs-errors.js";
import type {DocumentFormat, DocumentInput, Loader, TextSegment} from "../document-types.js";

/** Past this share of undecodable bytes the file is taken for binary or another encoding, not damaged text. */
const MAX_INVALID_SHARE = 0.01;

const TEXT_FORMATS: readonly DocumentFormat[] = ["text", "markdown", "rst", "code"];

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Plain text, Markdown, reStructuredText and source code. Bytes are decoded as UTF-8 (BOM stripped) or UTF-16 with
 * a BOM; a few bad bytes in otherwise good UTF-8 are repaired, more refuse the file. Line ends become LF.
 * Markdown gives one segment per top-level section, named by its heading; other text is one segment.
 */
export const textLoader: Loader = {
  formats: TEXT_FORMATS,
  async *load(input) {
    const format = textFormat(input);
    const decoded = decodeText(input);
    // Most files have no CR; skipping the replace saves a full copy of a large text.
    const text = decoded.includes("\r") ? decoded.replace(/\r\n?/g, "\n") : decoded;
    if (!/\S/.test(text)) throw new DocumentLoadError(input.source, "empty: the file has no text");
    if (format !== "markdown") {
      yield {source: input.source, format, segments: [{text}]};
      return;
    }
    const {title, segments} = markdownSections(text);
    yield {source: input.source, format, ...(title == null ? {} : {title}), segments};
  }
};

/** The sniffer's name for the file (it is not passed to loaders), so Markdown is split and code is labelled. */
function textFormat(input: DocumentInput): DocumentFormat {
  const detected = detectFormat({name: input.name, bytes: input.bytes});
  return "format" in detected && TEXT_FORMATS.includes(detected.format) ? detected.format : "text";
}

/** UTF-16 by its BOM, else UTF-8: strict first (the fast path), then repaired when only a few bytes are bad. */
function decodeText(input: DocumentInput): string {
  const bytes = input.bytes;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", {fatal: true}).decode(bytes);
  } catch {
    const repaired = new TextDecoder("utf-8").decode(bytes);
    const invalid = count(repaired, "\uFFFD") - countReplacementCharacters(bytes);
    if (invalid > bytes.length * MAX_INVALID_SHARE)
      throw new DocumentLoadError(input.source, `not valid UTF-8 text (${invalid} invalid bytes of ${bytes.length})`);
    return repaired;
  }
}

function count(text: string, needle: string): number {
  let found = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found++;
  return found;
}

/** U+FFFD spelled out in the file, which the lossy decode keeps and which are not damage. */
function countReplacementCharacters(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const encoded = Buffer.from([0xef, 0xbf, 0xbd]);
  let found = 0;
  for (let at = buffer.indexOf(encoded); at !== -1; at = buffer.indexOf(encoded, at + 3)) found++;
  return found;
}

interface Heading {
  /** The line the section starts on (a setext heading's text line). */
  readonly line: number;
  readonly level: number;
  readonly text: string;
}

/**
 * Splits Markdown at its top-level headings: the shallowest level used, or the next one down when the shallowest
 * is a single document title. Headings inside fenced code do not count. The title is the first level-1 heading.
 */
function markdownSections(text: string): {title?: string; segments: TextSegment[]} {
  const lines = text.split("\n");
  const headings: Heading[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMatch = FENCE.exec(line);
    if (fence != null) {
      if (fenceMatch != null && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length && line.trim() === fenceMatch[1]) fence = undefined;
      continue;
    }
    if (fenceMatch != null) {
      fence = fenceMatch[1]!;
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx != null) {
      headings.push({line: i, level: atx[1]!.length, text: (atx[2] ?? "").trim()});
      continue;
    }
    const previous = i > 0 ? lines[i - 1]! : "";
    if (SETEXT_UNDERLINE.test(line) && previous.trim() !== "" && headings.at(-1)?.line !== i - 1 && !FENCE.test(previous))
      headings.push({line: i - 1, level: line.trim()[0] === "=" ? 1 : 2, text: previous.trim()});
  }

  const levels = [...new Set(headings.map((heading) => heading.level))].sort((a, b) => a - b);
  const top = levels[0];
  const splitLevel = top != null && levels.length > 1 && headings.filter((heading) => heading.level === top).length === 1 ? levels[1]! : top;
  const boundaries = splitLevel == null ? [] : headings.filter((heading) => heading.level <= splitLevel);

  const segments: TextSegment[] = [];
  const push = (from: number, to: number, section?: string): void => {
    const body = lines.slice(from, to).join("\n").replace(/^\s*\n/, "").trimEnd();
    if (body.trim() !== "") segments.push(section == null || section === "" ? {text: body} : {text: body, section});
  };
  push(0, boundaries[0]?.line ?? lines.length);
  boundaries.forEach((heading, i) => push(heading.line, boundaries[i + 1]?.line ?? lines.length, heading.text));
  const title = headings.find((heading) => heading.level === 1)?.text;
  return title == null || title === "" ? {segments} : {title, segments};
}
