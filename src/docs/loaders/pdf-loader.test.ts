import {beforeAll, describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import type {LoadFailure, OcrRunner} from "../document-types.js";
import {pdfLoader} from "./pdf-loader.js";
import {createTesseractOcr} from "./tesseract-ocr.js";
import {
  OCR_TEST_DPI,
  buildEncryptedPdf,
  buildPdf,
  hasTesseract,
  loadAll,
  loadContext,
  renderFirstPage,
  unavailableOcr
} from "./test-fixtures/loader-fixtures.js";

if (!hasTesseract) console.warn("pdf-loader OCR tests skipped: /usr/bin/tesseract or /usr/bin/pdftoppm is missing (apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils)");

/** An OCR runner that answers from a table and records what it was asked. */
function scriptedOcr(answers: ReadonlyMap<number, string> | Error): OcrRunner & {asked: number[][]} {
  const asked: number[][] = [];
  return {
    available: true,
    asked,
    recognize: () => Promise.reject(new Error("not an image test")),
    recognizePdfPages: async (_pdf, pages) => {
      asked.push([...pages]);
      if (answers instanceof Error) throw answers;
      return new Map(pages.map((page) => [page, answers.get(page) ?? ""]));
    }
  };
}

async function loadError(bytes: Uint8Array, ocr: OcrRunner = unavailableOcr): Promise<DocumentLoadError> {
  const error = await loadAll(pdfLoader, bytes, loadContext(ocr), "x.pdf").then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("pdfLoader, text PDFs", () => {
  it("returns one segment per page with its 1-based number, and the info title", async () => {
    const pdf = await buildPdf([{text: "Alpha page one"}, {text: "Beta page two"}, {text: "Gamma page three"}], {title: "Greek letters"});
    const failures: LoadFailure[] = [];
    const documents = await loadAll(pdfLoader, pdf, loadContext(unavailableOcr, failures), "letters.pdf");
    expect(documents).toEqual([
      {
        source: "/docs/letters.pdf",
        format: "pdf",
        title: "Greek letters",
        segments: [
          {text: "Alpha page one", page: 1},
          {text: "Beta page two", page: 2},
          {text: "Gamma page three", page: 3}
        ]
      }
    ]);
    expect(failures).toEqual([]);
  });

  it("has no title when the info dictionary has none, and leaves the caller's bytes intact", async () => {
    const pdf = await buildPdf([{text: "Only page"}]);
    const before = pdf.slice();
    const [document] = await loadAll(pdfLoader, pdf, loadContext(unavailableOcr));
    expect(document.title).toBeUndefined();
    expect(document.segments).toEqual([{text: "Only page", page: 1}]);
    expect(pdf).toEqual(before);
  });
});

describe("pdfLoader, unreadable PDFs", () => {
  it("refuses a password-protected PDF", async () => {
    const error = await loadError(buildEncryptedPdf());
    expect(error.reason).toBe("encrypted PDF (password protected): cannot read");
    expect(error.source).toBe("/docs/x.pdf");
  });

  it("calls garbage, truncated and empty files corrupt, with pdf.js's reason", async () => {
    const pdf = await buildPdf([{text: "Soon cut short"}, {text: "Second"}]);
    expect((await loadError(new TextEncoder().encode("not a pdf at all"))).reason).toBe("corrupt PDF: Invalid PDF structure.");
    expect((await loadError(pdf.slice(0, 200))).reason).toBe("corrupt PDF: Invalid PDF structure.");
    expect((await loadError(new Uint8Array(0))).reason).toBe("corrupt PDF: The PDF file is empty, i.e. its size is zero bytes.");
  });
});

describe("pdfLoader, pages without a text layer", () => {
  let scanPng: Uint8Array;
  beforeAll(async () => {
    if (!hasTesseract) return;
    scanPng = await renderFirstPage(await buildPdf([{text: "INVOICE NUMBER 4711", size: 36}]));
  });

  /** A stand-in scan for tests that never OCR it: a 1 x 1 PNG. */
  const tinyPng = Uint8Array.from(
    Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAGB7R3QAAAABJRU5ErkJggg==", "base64")
  );

  it.skipIf(!hasTesseract)("OCRs a scanned page through tesseract", async () => {
    const pdf = await buildPdf([{png: scanPng}]);
    const ocr = createTesseractOcr({dpi: OCR_TEST_DPI});
    const [document] = await loadAll(pdfLoader, pdf, loadContext(ocr));
    expect(document.segments).toHaveLength(1);
    expect(document.segments[0].page).toBe(1);
    expect(document.segments[0].text.toUpperCase().split(/\s+/)).toEqual(expect.arrayContaining(["INVOICE", "NUMBER", "4711"]));
  });

  it("fails a scan-only PDF when OCR is unavailable, saying why", async () => {
    const error = await loadError(await buildPdf([{png: tinyPng}]));
    expect(error.reason).toBe("no text layer (a scanned PDF?) and OCR is unavailable: tesseract is not installed (test)");
  });

  it("keeps the text pages and reports each page without text when OCR is unavailable", async () => {
    const pdf = await buildPdf([{text: "Readable first page"}, {png: tinyPng}, {text: "Readable third page"}]);
    const failures: LoadFailure[] = [];
    const documents = await loadAll(pdfLoader, pdf, loadContext(unavailableOcr, failures), "mixed.pdf");
    expect(documents.map((document) => document.segments)).toEqual([
      [
        {text: "Readable first page", page: 1},
        {text: "Readable third page", page: 3}
      ]
    ]);
    expect(failures).toEqual([
      {
        source: "/docs/mixed.pdf#page=2",
        reason: "page has no text layer and OCR is unavailable: tesseract is not installed (test)"
      }
    ]);
  });

  it("asks OCR for the text-less pages only and puts its text in page order", async () => {
    const pdf = await buildPdf([{png: tinyPng}, {text: "Typed second page"}, {png: tinyPng}]);
    const ocr = scriptedOcr(new Map([[1, "  scanned first\n"], [3, "scanned third"]]));
    const [document] = await loadAll(pdfLoader, pdf, loadContext(ocr));
    expect(ocr.asked).toEqual([[1, 3]]);
    expect(document.segments).toEqual([
      {text: "scanned first", page: 1},
      {text: "Typed second page", page: 2},
      {text: "scanned third", page: 3}
    ]);
  });

  it("reports OCR failures per page when other pages have text, and fails the file when none has", async () => {
    const mixed = await buildPdf([{text: "Typed"}, {png: tinyPng}]);
    const failures: LoadFailure[] = [];
    const [document] = await loadAll(pdfLoader, mixed, loadContext(scriptedOcr(new Error("tesseract timed out after 1 s")), failures), "m.pdf");
    expect(document.segments).toEqual([{text: "Typed", page: 1}]);
    expect(failures).toEqual([{source: "/docs/m.pdf#page=2", reason: "page has no text layer and OCR failed: tesseract timed out after 1 s"}]);

    const scanOnly = await buildPdf([{png: tinyPng}]);
    expect((await loadError(scanOnly, scriptedOcr(new Error("boom")))).reason).toBe("no text layer (a scanned PDF?) and OCR failed: boom");
  });

  it("fails when OCR recognises nothing on any page", async () => {
    const error = await loadError(await buildPdf([{png: tinyPng}, {png: tinyPng}]), scriptedOcr(new Map()));
    expect(error.reason).toBe("no text found: no page has a text layer and OCR recognised nothing");
  });
});
