import PostalMime, {type Address, type Attachment, type Email} from "postal-mime";
import {DocumentLoadError} from "../docs-errors.js";
import type {DocumentInput, LoadContext, LoadedDocument, Loader} from "../document-types.js";
import {htmlToText} from "./html-to-text.js";

/** Headers that make text an e-mail; postal-mime parses anything, so one of them must be present. */
const MAIL_HEADERS = new Set([
  "from",
  "to",
  "cc",
  "subject",
  "date",
  "message-id",
  "mime-version",
  "received",
  "return-path"
]);

/** An RFC 5322 field name: printable ASCII without the colon. */
const FIELD_NAME = /^[!-9;-~]+$/;

/** Extensions for attachments that carry no file name, so the sniffer still gets a hint. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  "text/plain": ".txt",
  "text/html": ".html",
  "text/csv": ".csv",
  "text/markdown": ".md",
  "application/json": ".json",
  "application/pdf": ".pdf",
  "message/rfc822": ".eml"
};

function formatAddress(address: Address): string {
  if (address.group != null) return `${address.name}: ${address.group.map(formatAddress).join(", ")};`;
  return address.name === "" ? address.address : `${address.name} <${address.address}>`;
}

function formatAddresses(addresses: readonly Address[] | undefined): string | undefined {
  const text = (addresses ?? []).map(formatAddress).join(", ");
  return text === "" ? undefined : text;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
}

async function parseMail(input: DocumentInput): Promise<Email> {
  let email: Email;
  try {
    email = await PostalMime.parse(input.bytes);
  } catch (error) {
    throw new DocumentLoadError(input.source, `not an e-mail message: ${oneLine(error)}`, {cause: error});
  }
  const first = email.headers[0];
  if (first == null || !FIELD_NAME.test(first.key) || !email.headers.some((header) => MAIL_HEADERS.has(header.key))) {
    throw new DocumentLoadError(
      input.source,
      "not an e-mail message: it does not start with mail headers (From:, Subject:, ...)"
    );
  }
  return email;
}

/** The header block as "Name: value" lines, in a fixed order, the Date as the message spells it. */
function headerBlock(email: Email): string {
  const rawDate = email.headers.find((header) => header.key === "date")?.value.trim();
  const lines: Array<[string, string | undefined]> = [
    ["From", email.from == null ? undefined : formatAddress(email.from)],
    ["To", formatAddresses(email.to)],
    ["Cc", formatAddresses(email.cc)],
    ["Date", rawDate === "" ? undefined : rawDate],
    ["Subject", email.subject?.trim() || undefined]
  ];
  return lines
    .filter((line): line is [string, string] => line[1] != null)
    .map(([name, value]) => `${name}: ${value.replace(/\s+/g, " ")}`)
    .join("\n");
}

function bodyText(email: Email): string {
  const text = email.text?.trim() ?? "";
  if (text !== "" || email.html == null) return text;
  return htmlToText(email.html).text.trim();
}

/** A file name for the attachment: its own without directories, or one made up from its position and type. */
function attachmentName(attachment: Attachment, index: number, taken: Set<string>): string {
  const own = (attachment.filename ?? "").split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  const base = own !== "" ? own : `attachment-${index + 1}${EXTENSIONS[attachment.mimeType] ?? ""}`;
  const name = taken.has(base) ? `${index + 1}-${base}` : base;
  taken.add(name);
  return name;
}

function attachmentBytes(attachment: Attachment): Uint8Array {
  const {content} = attachment;
  if (typeof content === "string") return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/**
 * E-mail messages (.eml) through postal-mime: one document of the header block (From, To, Cc, Date, Subject),
 * a blank line and the body (the text part, or the HTML part's text when there is none), titled by the subject.
 * Attachments are loaded as nested files (`mail.eml!/report.pdf`); parts the HTML only references (inline
 * images) are not attachments a reader would open, so they are skipped.
 */
export const emlLoader: Loader = {
  formats: ["eml"],
  async *load(input: DocumentInput, context: LoadContext, depth: number): AsyncIterable<LoadedDocument> {
    context.signal?.throwIfAborted();
    const email = await parseMail(input);
    const body = bodyText(email);
    const attachments = email.attachments.filter((attachment) => attachment.related !== true);
    if (body === "" && attachments.length === 0) {
      throw new DocumentLoadError(input.source, "no text found: the message has no body text and no attachments");
    }
    const subject = email.subject?.trim() ?? "";
    const from = email.from == null ? "" : formatAddress(email.from);
    const metadata: Record<string, string> = {};
    if (subject !== "") metadata.subject = subject;
    if (from !== "") metadata.from = from;
    if (email.date != null && email.date.trim() !== "") metadata.date = email.date.trim();
    const headers = headerBlock(email);
    yield {
      source: input.source,
      format: "eml",
      ...(subject === "" ? {} : {title: subject}),
      metadata,
      segments: [{text: [headers, body].filter((part) => part !== "").join("\n\n")}]
    };

    const taken = new Set<string>();
    for (const [index, attachment] of attachments.entries()) {
      context.signal?.throwIfAborted();
      const name = attachmentName(attachment, index, taken);
      yield* context.loadNested(
        {name, source: `${input.source}!/${name}`, bytes: attachmentBytes(attachment)},
        depth + 1
      );
    }
  }
};
