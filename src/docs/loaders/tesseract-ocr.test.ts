import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {existsSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {UsageError} from "../../errors/index.js";
import {createTesseractOcr} from "./tesseract-ocr.js";
import {OCR_TEST_DPI, buildPdf, hasTesseract, renderFirstPage} from "./test-fixtures/loader-fixtures.js";

if (!hasTesseract) console.warn("tesseract-ocr tests with the real binaries skipped: /usr/bin/tesseract or /usr/bin/pdftoppm is missing (apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils)");

const dir = await mkdtemp(join(tmpdir(), "h2ogpt-ocr-test-"));
afterAll(() => rm(dir, {recursive: true, force: true}));

/** A stand-in tesseract: a shell script run in its place, given the same arguments. */
async function fakeTesseract(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(dirname(path), {recursive: true});
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

const words = (text: string) => text.toUpperCase().split(/\s+/);

/** The smallest valid PNG header (1 x 1); the fake tesseracts never decode it. */
const PNG = Uint8Array.from(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAGB7R3QAAAABJRU5ErkJggg==", "base64")
);

describe("createTesseractOcr with the real tesseract and pdftoppm", () => {
  let pagePdf: Uint8Array;
  let png: Uint8Array;
  beforeAll(async () => {
    if (!hasTesseract) return;
    pagePdf = await buildPdf([{text: "Typed page"}, {text: "INVOICE NUMBER 4711", size: 36}]);
    png = await renderFirstPage(await buildPdf([{text: "INVOICE NUMBER 4711", size: 36}]));
  });

  it.skipIf(!hasTesseract)("is available and recognises an image and a PDF page", async () => {
    const ocr = createTesseractOcr({dpi: OCR_TEST_DPI});
    expect(ocr.available).toBe(true);
    expect(ocr.unavailableReason).toBeUndefined();
    expect(words(await ocr.recognize(png))).toEqual(expect.arrayContaining(["INVOICE", "NUMBER", "4711"]));
    const pages = await ocr.recognizePdfPages(pagePdf, [2]);
    expect([...pages.keys()]).toEqual([2]);
    expect(words(pages.get(2)!)).toEqual(expect.arrayContaining(["INVOICE", "NUMBER", "4711"]));
  });
});

describe("createTesseractOcr", () => {
  it("is unavailable, naming the packages, when tesseract is missing", async () => {
    const ocr = createTesseractOcr({tesseractPath: join(dir, "no-such-tesseract")});
    expect(ocr.available).toBe(false);
    expect(ocr.unavailableReason).toBe(
      "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng; and poppler-utils for PDF pages)"
    );
    await expect(ocr.recognize(PNG)).rejects.toThrow("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)");
  });

  it("names poppler-utils when the PDF tools are missing", async () => {
    const ocr = createTesseractOcr({tesseractPath: await fakeTesseract("ok", "echo text"), pdftoppmPath: join(dir, "none", "pdftoppm")});
    await expect(ocr.recognizePdfPages(new Uint8Array([37]), [1])).rejects.toThrow("pdfinfo is not installed (apt-get install poppler-utils)");
  });

  it("renders each asked page, lowering the resolution of pages too large to render at the asked dpi", async () => {
    const tools = join(dir, "poppler");
    const log = join(tools, "pdftoppm.log");
    await fakeTesseract("poppler/pdfinfo", 'printf "Page    2 size: 14400 x 7200 pts\\nPage    3 size: 612 x 792 pts (letter)\\n"');
    await fakeTesseract("poppler/pdftoppm", `echo "$*" | sed "s|[^ ]*/||g" >> "${log}"; for last; do :; done; echo page > "$last.png"`);
    const tesseract = await fakeTesseract("page-text", 'echo "text of $(basename "$1")"');
    const ocr = createTesseractOcr({tesseractPath: tesseract, pdftoppmPath: join(tools, "pdftoppm"), dpi: 300});
    const texts = await ocr.recognizePdfPages(new Uint8Array([37, 80]), [2, 3, 4]);
    expect([...texts]).toEqual([
      [2, "text of page-2.png"],
      [3, "text of page-3.png"],
      [4, "text of page-4.png"]
    ]);
    expect((await readFile(log, "utf8")).trim().split("\n")).toEqual([
      "-r 40 -f 2 -l 2 -png -singlefile input.pdf page-2",
      "-r 300 -f 3 -l 3 -png -singlefile input.pdf page-3",
      "-scale-to 8000 -f 4 -l 4 -png -singlefile input.pdf page-4"
    ]);
  });

  it("runs tesseract on a temporary copy with OMP_THREAD_LIMIT=1 and removes the copy", async () => {
    const tesseract = await fakeTesseract("echo", 'echo "$1" > "$(dirname "$0")/echo.args"; echo "$2 $3 $4 threads=$OMP_THREAD_LIMIT"; printf "\\f"');
    const ocr = createTesseractOcr({tesseractPath: tesseract, language: "eng+deu"});
    expect(ocr.available).toBe(true);
    expect(await ocr.recognize(PNG)).toBe("stdout -l eng+deu threads=1");
    const imagePath = (await readFile(join(dirname(tesseract), "echo.args"), "utf8")).trim();
    expect(existsSync(dirname(imagePath))).toBe(false);
  });

  it("runs one tesseract at a time", async () => {
    const log = join(dir, "order.log");
    const tesseract = await fakeTesseract("slow", `echo start >> "${log}"; sleep 0.2; echo end >> "${log}"; echo done`);
    const ocr = createTesseractOcr({tesseractPath: tesseract});
    expect(await Promise.all([ocr.recognize(PNG), ocr.recognize(PNG), ocr.recognize(PNG)])).toEqual(["done", "done", "done"]);
    expect((await readFile(log, "utf8")).split("\n")).toEqual(["start", "end", "start", "end", "start", "end", ""]);
  });

  it("kills a tesseract that runs past the timeout, and stops at an abort", async () => {
    const tesseract = await fakeTesseract("hang", "exec sleep 20");
    await expect(createTesseractOcr({tesseractPath: tesseract, timeoutMs: 200}).recognize(PNG)).rejects.toThrow(
      "tesseract timed out after 0.2 s"
    );
    const abort = new AbortController();
    const pending = createTesseractOcr({tesseractPath: tesseract}).recognize(PNG, abort.signal);
    setTimeout(() => abort.abort(new Error("ingest cancelled")), 100);
    await expect(pending).rejects.toThrow("ingest cancelled");
  });

  it("reports tesseract's telling stderr line", async () => {
    const tesseract = await fakeTesseract(
      "nolang",
      'echo "Error opening data file x.traineddata" >&2; echo "Failed loading language \'xyz\'" >&2; exit 1'
    );
    await expect(createTesseractOcr({tesseractPath: tesseract}).recognize(PNG)).rejects.toThrow(
      "tesseract failed: Failed loading language 'xyz' (install its tesseract-ocr-<lang> package)"
    );
  });

  it("refuses bytes that are no image, and images too large to decode, without running tesseract", async () => {
    const ocr = createTesseractOcr({tesseractPath: await fakeTesseract("never", "echo ran")});
    await expect(ocr.recognize(new TextEncoder().encode("/etc/passwd\n"))).rejects.toThrow("not a PNG, JPEG, TIFF, BMP, GIF or WebP image");
    const huge = PNG.slice();
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    await expect(ocr.recognize(huge)).rejects.toThrow("image too large for OCR: 100000 x 100000 pixels (at most 64 megapixels)");
  });

  it("refuses a bad language, dpi or page number", async () => {
    expect(() => createTesseractOcr({language: "eng -c x=y"})).toThrow(UsageError);
    expect(() => createTesseractOcr({dpi: 0})).toThrow(UsageError);
    await expect(createTesseractOcr().recognizePdfPages(new Uint8Array(), [0])).rejects.toThrow(UsageError);
  });
});
