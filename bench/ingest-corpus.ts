import {createHash} from "node:crypto";
import {createWriteStream, existsSync} from "node:fs";
import {mkdir, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {dirname, join, relative} from "node:path";
import {gunzipSync} from "node:zlib";
import {PDFDocument, StandardFonts} from "pdf-lib";
import {createTesseractOcr, loadDocuments, type LoadFailure} from "../src/docs/index.js";
import {docxParagraph, makeDocx} from "../src/docs/loaders/test-fixtures/office-fixtures.js";

/**
 * The corpus of bench/ingest: real documents found on this machine (node_modules docs, /usr/share/doc files,
 * the PDFs Debian ships, gzipped or not) plus PDFs (pdf-lib, multi-page) and DOCX files the bench writes from
 * real text, until both the input bytes and the text our loaders extract reach the target. Every file is
 * extracted once here with our loaders (`extracted.jsonl`: one document per line, its segments as loaded), so
 * both chunk+index measurements start from the same text. Kept in `dir` with a manifest, reused when the
 * target matches.
 */

export interface CorpusFile {
  /** Relative to `<dir>/files`. */
  readonly path: string;
  readonly kind: CorpusKind;
  readonly bytes: number;
  /** UTF-8 bytes of the text our loaders extracted (0 when it failed). */
  readonly textBytes: number;
}

export type CorpusKind = "text (.gz)" | "html" | "markdown" | "plain text" | "pdf (real)" | "pdf (written)" | "docx (written)";

export interface CorpusManifest {
  readonly version: number;
  readonly targetMb: number;
  readonly files: readonly CorpusFile[];
  readonly inputBytes: number;
  readonly textBytes: number;
  readonly documents: number;
  readonly failures: number;
  /** Wall time of the one extraction pass with our loaders (all files, one after another). */
  readonly extractSeconds: number;
}

/** One line of extracted.jsonl. */
export interface ExtractedDocument {
  /** The file it came from, relative to `<dir>/files`. */
  readonly file: string;
  readonly source: string;
  readonly format: string;
  readonly title?: string;
  readonly segments: readonly {text: string; page?: number; section?: string}[];
}

const VERSION = 3;
const DOC_ROOT = "/usr/share/doc";
const TEXT_NAMES = /^(readme|license|licence|changelog|changes|history|news|authors|copying|notice)([._-].*)?$/i;
const DOC_EXTENSIONS = new Set(["", "md", "markdown", "txt", "rst", "html", "htm", "debian"]);

const ocr = createTesseractOcr();

export async function buildCorpus(options: {dir: string; mb: number; log: (line: string) => void}): Promise<CorpusManifest> {
  const {dir, mb, log} = options;
  const manifestPath = join(dir, "manifest.json");
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as CorpusManifest;
    if (manifest.version === VERSION && manifest.targetMb === mb) {
      log(`corpus: reusing ${dir}`);
      return manifest;
    }
  }
  await rm(join(dir, "files"), {recursive: true, force: true});
  await mkdir(join(dir, "files"), {recursive: true});
  const target = mb * 1e6;
  const files: CorpusFile[] = [];
  const seen = new Set<string>();
  const dump = createWriteStream(join(dir, "extracted.jsonl"));
  let inputBytes = 0;
  let textBytes = 0;
  let documents = 0;
  let failures = 0;
  let extractSeconds = 0;

  /** Writes a file into the corpus and extracts it with our loaders; false for a duplicate. */
  const add = async (relPath: string, bytes: Uint8Array, kind: CorpusKind): Promise<boolean> => {
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (seen.has(digest)) return false;
    seen.add(digest);
    const path = join(dir, "files", relPath);
    await mkdir(dirname(path), {recursive: true});
    await writeFile(path, bytes);
    const started = performance.now();
    let fileText = 0;
    const onFailure = (_failure: LoadFailure): void => void failures++;
    for await (const document of loadDocuments({input: {name: relPath.split("/").at(-1)!, source: path, bytes, path}, ocr, onFailure})) {
      const segments = document.segments.map((segment) => ({text: segment.text, page: segment.page, section: segment.section}));
      for (const segment of segments) fileText += Buffer.byteLength(segment.text);
      const line: ExtractedDocument = {file: relPath, source: document.source, format: document.format, title: document.title, segments};
      if (!dump.write(JSON.stringify(line) + "\n")) await new Promise<void>((done) => dump.once("drain", () => done()));
      documents++;
    }
    extractSeconds += (performance.now() - started) / 1000;
    files.push({path: relPath, kind, bytes: bytes.length, textBytes: fileText});
    inputBytes += bytes.length;
    textBytes += fileText;
    return true;
  };

  // Candidates from /usr/share/doc in a fixed pseudo-random order (by path digest), so any prefix is a mixed sample.
  const candidates = (await listFiles(DOC_ROOT)).sort((a, b) => digestOf(a).localeCompare(digestOf(b)));
  const textCandidates: {path: string; kind: CorpusKind}[] = [];
  const pdfs: string[] = [];
  for (const path of candidates) {
    const name = path.split("/").at(-1)!.toLowerCase();
    if (name.endsWith(".pdf") || name.endsWith(".pdf.gz")) pdfs.push(path);
    else if (name.endsWith(".gz")) {
      const inner = name.slice(0, -3);
      if (/\.(tar|ps|png|gif|jpg|svg|eps|dvi|info|ods|odt|wasm|bin|gif|pdf)$/.test(inner)) continue;
      if (DOC_EXTENSIONS.has(extension(inner)) || TEXT_NAMES.test(inner) || /\.(json|xml|log)$/.test(inner)) textCandidates.push({path, kind: "text (.gz)"});
    } else if (DOC_EXTENSIONS.has(extension(name)) || TEXT_NAMES.test(name) || name === "copyright")
      textCandidates.push({path, kind: /\.html?$/.test(name) ? "html" : /\.(md|markdown)$/.test(name) ? "markdown" : "plain text"});
  }

  // 1. Real PDFs (smallest first), up to a tenth of the target.
  const pdfSizes = await Promise.all(pdfs.map(async (path) => ({path, bytes: await readFile(path)})));
  for (const {path, bytes} of pdfSizes.sort((a, b) => a.bytes.length - b.bytes.length)) {
    if (textBytes >= target * 0.1) break;
    const pdf = path.endsWith(".gz") ? gunzipSync(bytes) : bytes;
    await add(`real-pdf/${safeRelative(DOC_ROOT, path).replace(/\.gz$/, "")}`, pdf, "pdf (real)");
  }
  log(`corpus: real PDFs ${mbOf(inputBytes)} MB, text ${mbOf(textBytes)} MB`);

  // 2. PDFs and DOCX written from real text (each from one /usr/share/doc text file, which is then not used itself).
  let next = 0;
  const takeText = async (): Promise<{path: string; text: string} | undefined> => {
    while (next < textCandidates.length) {
      const {path} = textCandidates[next++]!;
      let bytes: Uint8Array = await readFile(path);
      if (path.endsWith(".gz")) bytes = gunzipSync(bytes);
      if (bytes.includes(0) || bytes.length < 2000 || /\.html?$/i.test(path)) continue;
      return {path, text: Buffer.from(bytes).toString("utf8")};
    }
    return undefined;
  };
  const written = {pdf: 0, docx: 0};
  for (let goal = textBytes + target * 0.04; textBytes < goal; ) {
    const source = await takeText();
    if (source == null) break;
    const relPath = `written-pdf/${safeRelative(DOC_ROOT, source.path).replace(/[/.]/g, "_")}.pdf`;
    if (await add(relPath, await writePdf(source.text.slice(0, 400_000), source.path), "pdf (written)")) written.pdf++;
  }
  for (let goal = textBytes + target * 0.06; textBytes < goal; ) {
    const source = await takeText();
    if (source == null) break;
    const relPath = `written-docx/${safeRelative(DOC_ROOT, source.path).replace(/[/.]/g, "_")}.docx`;
    if (await add(relPath, writeDocx(source.text.slice(0, 400_000), source.path), "docx (written)")) written.docx++;
  }
  log(`corpus: wrote ${written.pdf} PDFs and ${written.docx} DOCX files; text so far ${mbOf(textBytes)} MB`);

  // 3. node_modules documentation (README, LICENSE, CHANGELOG, *.md, *.txt), up to a fifth of the target.
  const moduleRoot = join(dirname(new URL(import.meta.url).pathname), "..", "node_modules");
  const moduleDocs = (await listFiles(moduleRoot)).filter((path) => {
    const name = path.split("/").at(-1)!;
    return /\.(md|markdown|txt)$/i.test(name) || TEXT_NAMES.test(name);
  });
  for (const path of moduleDocs.sort((a, b) => digestOf(a).localeCompare(digestOf(b)))) {
    if (textBytes >= target * 0.2 + target * 0.1) break;
    const bytes = await readFile(path);
    if (bytes.length === 0 || bytes.includes(0)) continue;
    await add(`node_modules/${safeRelative(moduleRoot, path)}`, bytes, /\.(md|markdown)$/i.test(path) ? "markdown" : "plain text");
  }
  log(`corpus: + node_modules docs: text ${mbOf(textBytes)} MB`);

  // 4. The rest of /usr/share/doc until both the input and the extracted text reach the target.
  while (textBytes < target || inputBytes < target) {
    if (next >= textCandidates.length) {
      log(`corpus: /usr/share/doc exhausted at ${mbOf(textBytes)} MB of text`);
      break;
    }
    const {path, kind} = textCandidates[next++]!;
    // Past the text target, only formats whose input outweighs their text (gzip gives ~4x its size in text).
    if (textBytes >= target && kind === "text (.gz)") continue;
    const bytes = await readFile(path);
    if (bytes.length === 0) continue;
    await add(`usr-share-doc/${safeRelative(DOC_ROOT, path)}`, bytes, kind);
  }
  await new Promise<void>((done, fail) => dump.end((error?: Error | null) => (error ? fail(error) : done())));
  const manifest: CorpusManifest = {version: VERSION, targetMb: mb, files, inputBytes, textBytes, documents, failures, extractSeconds};
  await writeFile(manifestPath, JSON.stringify(manifest));
  return manifest;
}

export function mbOf(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function digestOf(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** A path below `root`, with no segment starting with a dot (ingest skips hidden entries). */
function safeRelative(root: string, path: string): string {
  return relative(root, path)
    .split("/")
    .map((segment) => (segment.startsWith(".") ? `_${segment}` : segment))
    .join("/");
}

/** Regular files below `root` (symbolic links and hidden entries not followed). */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, {withFileTypes: true}).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  await walk(root);
  return out;
}

/** Text pdf-lib's standard Helvetica (WinAnsi) can draw: other characters become '?'. */
function winAnsi(line: string): string {
  return line.replace(/\t/g, "    ").replace(/[^\x20-\x7e\xa0-\xff]/g, "?");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = winAnsi(raw.trimEnd());
    while (line.length > width) {
      const cut = line.lastIndexOf(" ", width) > width / 2 ? line.lastIndexOf(" ", width) : width;
      lines.push(line.slice(0, cut));
      line = line.slice(cut).trimStart();
    }
    lines.push(line);
  }
  return lines;
}

/** A multi-page Letter PDF of the text (Helvetica 8 pt, 70 lines a page). */
async function writePdf(text: string, title: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const lines = wrap(text, 110);
  for (let i = 0; i < lines.length; i += 70) {
    const page = doc.addPage([612, 792]);
    page.drawText(lines.slice(i, i + 70).join("\n"), {x: 36, y: 750, size: 8, lineHeight: 10.2, font});
  }
  return doc.save();
}

/** A DOCX of the text: one paragraph per blank-line-separated block, with short headings. */
function writeDocx(text: string, title: string): Uint8Array {
  const clean = text.replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd]/g, "?");
  const blocks = clean.split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean);
  // A heading every 20 paragraphs, from the first words of the paragraph that follows (as a short title line).
  const body = blocks
    .map((block, i) => {
      const paragraph = docxParagraph(block.replace(/\s*\n\s*/g, " "));
      return i % 20 === 0 ? docxParagraph(block.split(/\s+/).slice(0, 8).join(" ").slice(0, 80), "Heading1") + paragraph : paragraph;
    })
    .join("");
  return makeDocx(body, {title});
}
