import {execFileSync} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {PDFDocument, StandardFonts} from "pdf-lib";
import {DEFAULT_ARCHIVE_LIMITS} from "../../document-types.js";
import type {DocumentInput, LoadContext, LoadedDocument, LoadFailure, Loader, OcrRunner} from "../../document-types.js";

/** Shared by the PDF, image and OCR tests: PDFs and PNGs built at run time, and a load context that records failures. */

export const hasTesseract = existsSync("/usr/bin/tesseract") && existsSync("/usr/bin/pdftoppm");

/** Resolution the OCR fixtures are rendered and re-rendered at: small pages at 150 dpi keep tesseract well under a second. */
export const OCR_TEST_DPI = 150;

/** A page of the fixture PDF: text drawn in Helvetica, or a PNG filling the page (a scan, no text layer). */
export type FixturePage = {text: string; size?: number} | {png: Uint8Array};

/** A PDF made with pdf-lib; text pages are 500 x 100 pt, image pages the image's size at OCR_TEST_DPI. */
export async function buildPdf(pages: readonly FixturePage[], options: {title?: string} = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  if (options.title !== undefined) doc.setTitle(options.title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const page of pages) {
    if ("text" in page) {
      doc.addPage([500, 100]).drawText(page.text, {x: 20, y: 40, size: page.size ?? 12, font});
    } else {
      const image = await doc.embedPng(page.png);
      const width = (image.width * 72) / OCR_TEST_DPI;
      const height = (image.height * 72) / OCR_TEST_DPI;
      doc.addPage([width, height]).drawImage(image, {x: 0, y: 0, width, height});
    }
  }
  return doc.save();
}

/** Page 1 of `pdf` as a PNG, rendered by poppler's pdftoppm. */
export async function renderFirstPage(pdf: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "h2ogpt-pdf-fixture-"));
  try {
    await writeFile(join(dir, "in.pdf"), pdf);
    execFileSync("pdftoppm", ["-r", String(OCR_TEST_DPI), "-f", "1", "-l", "1", "-png", "-singlefile", join(dir, "in.pdf"), join(dir, "out")]);
    return new Uint8Array(await readFile(join(dir, "out.png")));
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

/**
 * A one-page PDF encrypted with the standard security handler whose user password is not empty: pdf-lib cannot
 * encrypt, so it is written by hand. The /U entry matches no password, which is all a reader needs to ask for one.
 */
export function buildEncryptedPdf(): Uint8Array {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    `<< /Filter /Standard /V 1 /R 2 /Length 40 /O <${"ab".repeat(32)}> /U <${"cd".repeat(32)}> /P -44 >>`
  ];
  let pdf = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("");
  const id = "01".repeat(16);
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${id}> <${id}>] >>\n`;
  pdf += `startxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}

export const unavailableOcr: OcrRunner = {
  available: false,
  unavailableReason: "tesseract is not installed (test)",
  recognize: () => Promise.reject(new Error("OCR is unavailable")),
  recognizePdfPages: () => Promise.reject(new Error("OCR is unavailable"))
};

/** A load context around `ocr` whose reported failures land in `failures`. */
export function loadContext(ocr: OcrRunner, failures: LoadFailure[] = []): LoadContext {
  return {
    archiveLimits: DEFAULT_ARCHIVE_LIMITS,
    ocr,
    dataset: {},
    loadNested: () => {
      throw new Error("not a container format");
    },
    reportFailure: (failure) => failures.push(failure)
  };
}

/** Every document `loader` yields for `bytes`. */
export async function loadAll(loader: Loader, bytes: Uint8Array, context: LoadContext, name = "doc"): Promise<LoadedDocument[]> {
  const input: DocumentInput = {name, source: `/docs/${name}`, bytes};
  const documents: LoadedDocument[] = [];
  for await (const document of loader.load(input, context, 0)) documents.push(document);
  return documents;
}
