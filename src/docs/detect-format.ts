import type {DocumentFormat} from "./document-types.js";

/**
 * Which loader reads a file: by its content first (magic bytes, markup, mail headers), by its extension where the
 * content cannot tell (CSV vs text, Markdown vs text). A `.txt` holding a PDF is a PDF; a `.pdf` holding text is
 * text. Formats we cannot read get a reason users can act on instead of "no valid text".
 */

export type DetectedFormat = {readonly format: DocumentFormat} | {readonly unsupported: string};

const EXTENSIONS: Readonly<Record<string, DocumentFormat>> = {
  txt: "text", text: "text", log: "text", me: "text", "": "text",
  md: "markdown", markdown: "markdown", mdx: "markdown",
  rst: "rst",
  html: "html", htm: "html", xhtml: "html", shtml: "html",
  mhtml: "mhtml", mht: "mhtml",
  pdf: "pdf", docx: "docx", pptx: "pptx", xlsx: "xlsx", odt: "odt", ods: "ods", epub: "epub", eml: "eml",
  csv: "csv", tsv: "tsv", json: "json", jsonl: "jsonl", ndjson: "jsonl", parquet: "parquet",
  png: "image", jpg: "image", jpeg: "image", tif: "image", tiff: "image", bmp: "image", gif: "image", webp: "image",
  zip: "zip", tar: "tar", gz: "gzip", tgz: "gzip", gzip: "gzip"
};

const CODE_EXTENSIONS = new Set(
  ("py pyi js mjs cjs jsx ts mts cts tsx java kt kts scala go rs c h cc cpp cxx hpp hh cs rb php pl pm lua r swift m mm " +
    "sh bash zsh fish ps1 bat sql toml yaml yml xml xsd xsl ini cfg conf properties env css scss less sass vue svelte " +
    "dart ex exs erl hs ml clj elm jl nim zig proto graphql gql gradle cmake mk tex bib dockerfile makefile ipynb " +
    "diff patch tf hcl").split(" ")
);

const UNSUPPORTED: Readonly<Record<string, string>> = {
  doc: "legacy binary Word document (.doc): save it as .docx",
  xls: "legacy binary Excel workbook (.xls): save it as .xlsx",
  ppt: "legacy binary PowerPoint file (.ppt): save it as .pptx",
  rtf: "RTF is not supported: save it as .docx or .txt",
  odp: "OpenDocument presentations are not supported: save it as .pptx",
  enex: "Evernote exports are not supported",
  mp3: "audio is not supported (no speech-to-text model is available)",
  wav: "audio is not supported (no speech-to-text model is available)",
  ogg: "audio is not supported (no speech-to-text model is available)",
  flac: "audio is not supported (no speech-to-text model is available)",
  m4a: "audio is not supported (no speech-to-text model is available)",
  aac: "audio is not supported (no speech-to-text model is available)",
  au: "audio is not supported (no speech-to-text model is available)",
  mp4: "video is not supported (no speech-to-text model is available)",
  mpeg: "video is not supported (no speech-to-text model is available)",
  mpg: "video is not supported (no speech-to-text model is available)",
  mov: "video is not supported (no speech-to-text model is available)",
  avi: "video is not supported (no speech-to-text model is available)",
  mkv: "video is not supported (no speech-to-text model is available)",
  webm: "video is not supported (no speech-to-text model is available)"
};

/** The lower-cased extension of a name (`a/b.tar.gz` -> `gz`; `Makefile` -> `makefile` for names code uses). */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1).toLowerCase();
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return base === "makefile" || base === "dockerfile" ? base : "";
  return base.slice(dot + 1);
}

function startsWith(bytes: Uint8Array, magic: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[offset + i] !== magic[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  if (start >= bytes.length) return "";
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(end, bytes.length) - start).toString("latin1");
}

function includesAscii(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).includes(text, 0, "latin1");
}

/** Which kind of zip: the parts OOXML, OpenDocument and EPUB files must have. */
function zipKind(bytes: Uint8Array, extension: string): DocumentFormat {
  // OpenDocument and EPUB store an uncompressed `mimetype` member first, so its text is right after its header.
  const head = ascii(bytes, 30, 120);
  if (head.startsWith("mimetype")) {
    if (head.includes("application/epub+zip")) return "epub";
    if (head.includes("opendocument.text")) return "odt";
    if (head.includes("opendocument.spreadsheet")) return "ods";
  }
  if (includesAscii(bytes, "[Content_Types].xml")) {
    if (includesAscii(bytes, "word/document.xml")) return "docx";
    if (includesAscii(bytes, "xl/workbook.xml")) return "xlsx";
    if (includesAscii(bytes, "ppt/presentation.xml")) return "pptx";
  }
  const byExtension = EXTENSIONS[extension];
  return byExtension === "docx" || byExtension === "xlsx" || byExtension === "pptx" || byExtension === "odt" || byExtension === "ods" || byExtension === "epub"
    ? byExtension
    : "zip";
}

function binaryFormat(bytes: Uint8Array, extension: string): DetectedFormat | undefined {
  if (includesAscii(bytes.subarray(0, 1024), "%PDF-")) return {format: "pdf"};
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return {format: zipKind(bytes, extension)};
  if (startsWith(bytes, [0x1f, 0x8b])) return {format: "gzip"};
  if (ascii(bytes, 257, 262) === "ustar") return {format: "tar"};
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return {format: "image"};
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return {format: "image"};
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return {format: "image"};
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return {format: "image"};
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return {format: "image"};
  if (startsWith(bytes, [0x42, 0x4d]) && extension === "bmp") return {format: "image"};
  if (ascii(bytes, 0, 4) === "PAR1") return {format: "parquet"};
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    return {unsupported: "legacy binary or password-protected Office file (.doc/.xls/.ppt or encrypted): not supported; save it as .docx/.xlsx/.pptx without a password"};
  if (startsWith(bytes, [0x7b, 0x5c, 0x72, 0x74, 0x66])) return {unsupported: UNSUPPORTED.rtf!};
  if (ascii(bytes, 0, 3) === "ID3" || ascii(bytes, 0, 4) === "fLaC" || ascii(bytes, 0, 4) === "OggS" || (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WAVE"))
    return {unsupported: "audio is not supported (no speech-to-text model is available)"};
  if (ascii(bytes, 4, 8) === "ftyp" || startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3]) || (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "AVI "))
    return {unsupported: "video is not supported (no speech-to-text model is available)"};
  return undefined;
}

function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return false;
  let controls = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 9 || (byte > 13 && byte < 32 && byte !== 27)) controls++;
  }
  return controls > head.length / 10;
}

/** Text formats told apart by content when the extension does not say. */
function textKind(bytes: Uint8Array): DocumentFormat {
  const head = ascii(bytes, 0, 2048).replace(/^\xef\xbb\xbf/, "").trimStart();
  const lower = head.toLowerCase();
  if (lower.startsWith("<!doctype html") || lower.startsWith("<html") || /^<(head|body|meta|title)\b/.test(lower)) return "html";
  if (/^mime-version:/im.test(head) && /multipart\/related/i.test(head)) return "mhtml";
  if (/^(received|return-path|delivered-to|message-id|from|mime-version):/i.test(head) && /^(subject|from|to|date):/im.test(head)) return "eml";
  // JSON opens with an object's key or an array's value; "[ This is a note" or "[Changes for 1.2]" is prose.
  if (/^\{\s*("|\})/.test(head) || /^\[\s*([[{"\]\d-]|true|false|null)/.test(head)) return "json";
  return "text";
}

/**
 * @example
 * detectFormat({name: "report.bin", bytes: pdfBytes}) // {format: "pdf"}
 * detectFormat({name: "song.mp3", bytes}) // {unsupported: "audio is not supported (...)"}
 */
export function detectFormat(options: {readonly name: string; readonly bytes: Uint8Array}): DetectedFormat {
  const {name, bytes} = options;
  const extension = extensionOf(name);
  const binary = binaryFormat(bytes, extension);
  if (binary != null) return binary;
  const unsupported = UNSUPPORTED[extension];
  if (unsupported != null) return {unsupported};
  const byExtension = EXTENSIONS[extension];
  if (looksBinary(bytes)) {
    // A binary format's own loader explains what is wrong with a damaged file better than "unknown format".
    if (byExtension != null && !["text", "markdown", "rst", "html", "csv", "tsv", "json", "jsonl", "eml", "mhtml"].includes(byExtension))
      return {format: byExtension};
    return {unsupported: `unknown binary format${extension ? ` (.${extension})` : ""}: not a document type h2ogpt-ts reads`};
  }
  if (byExtension != null && byExtension !== "text") {
    // Text formats that only the extension can name; a binary one here (a .pdf holding text) yields to the content.
    if (["markdown", "rst", "csv", "tsv", "json", "jsonl", "html", "mhtml", "eml"].includes(byExtension)) return {format: byExtension};
  }
  if (CODE_EXTENSIONS.has(extension)) return {format: "code"};
  return {format: textKind(bytes)};
}
