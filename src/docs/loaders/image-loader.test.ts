import {beforeAll, describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import type {OcrRunner} from "../document-types.js";
import {imageLoader} from "./image-loader.js";
import {createTesseractOcr} from "./tesseract-ocr.js";
import {buildPdf, hasTesseract, loadAll, loadContext, renderFirstPage, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

if (!hasTesseract) console.warn("image-loader OCR test skipped: /usr/bin/tesseract or /usr/bin/pdftoppm is missing (apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils)");

function answeringOcr(answer: string | Error): OcrRunner {
  return {
    available: true,
    recognize: async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    },
    recognizePdfPages: () => Promise.reject(new Error("not a PDF test"))
  };
}

async function loadError(ocr: OcrRunner): Promise<DocumentLoadError> {
  const error = await loadAll(imageLoader, new Uint8Array([1, 2, 3]), loadContext(ocr), "scan.png").then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("imageLoader", () => {
  let png: Uint8Array;
  beforeAll(async () => {
    if (hasTesseract) png = await renderFirstPage(await buildPdf([{text: "INVOICE NUMBER 4711", size: 36}]));
  });

  it.skipIf(!hasTesseract)("recognises the words of a rendered page with tesseract", async () => {
    const [document] = await loadAll(imageLoader, png, loadContext(createTesseractOcr()), "invoice.png");
    expect(document.source).toBe("/docs/invoice.png");
    expect(document.format).toBe("image");
    expect(document.segments).toHaveLength(1);
    expect(document.segments[0].text.toUpperCase().split(/\s+/)).toEqual(expect.arrayContaining(["INVOICE", "NUMBER", "4711"]));
  });

  it("yields the OCR text, trimmed, as one segment", async () => {
    const documents = await loadAll(imageLoader, new Uint8Array([1]), loadContext(answeringOcr("\n Hello scan \n")), "a.jpg");
    expect(documents).toEqual([{source: "/docs/a.jpg", format: "image", segments: [{text: "Hello scan"}]}]);
  });

  it("says OCR is needed when it is unavailable", async () => {
    expect((await loadError(unavailableOcr)).reason).toBe("image needs OCR, but tesseract is not installed (test)");
  });

  it("fails an image in which OCR recognises nothing", async () => {
    expect((await loadError(answeringOcr(" \n\f "))).reason).toBe("no text found: OCR recognised nothing in the image");
  });

  it("turns an OCR error into a one-line load failure", async () => {
    expect((await loadError(answeringOcr(new Error("tesseract failed:\n  bad\n")))).reason).toBe("OCR failed: tesseract failed: bad");
  });
});
