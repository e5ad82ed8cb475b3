import {execFile} from "node:child_process";
import {accessSync, constants, statSync} from "node:fs";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {delimiter, join} from "node:path";
import {H2oGptError, UsageError} from "../../errors/index.js";
import type {OcrRunner} from "../document-types.js";

export interface TesseractOcrOptions {
  /** The tesseract binary: a name looked up on PATH, or a path. */
  readonly tesseractPath?: string;
  /** Poppler's pdftoppm, which renders PDF pages for OCR. */
  readonly pdftoppmPath?: string;
  /** Tesseract language(s), e.g. "eng" or "eng+deu". */
  readonly language?: string;
  /** Per process (one image, or one page's render or recognition). */
  readonly timeoutMs?: number;
  /** Resolution PDF pages are rendered at; lowered for pages so large the render would exceed MAX_RENDER_SIDE. */
  readonly dpi?: number;
}

const INSTALL_TESSERACT = "apt-get install tesseract-ocr tesseract-ocr-eng";
const INSTALL_POPPLER = "apt-get install poppler-utils";

/** Longest side, in pixels, of a rendered page or an accepted image: bounds memory on hostile page/image sizes. */
const MAX_RENDER_SIDE = 8000;
const MAX_IMAGE_PIXELS = 64_000_000;
/** Recognised text of one image or page; anything larger is not a page of text. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * OCR through Debian's tesseract CLI, PDF pages rendered by poppler's pdftoppm. No shell, a timeout per process,
 * one process at a time per runner (tesseract is run single-threaded so two cores are not oversubscribed), and
 * every temporary file removed. `available` looks tesseract up on PATH once, on first use.
 */
export function createTesseractOcr(options: TesseractOcrOptions = {}): OcrRunner {
  const tesseract = options.tesseractPath ?? "tesseract";
  const pdftoppm = options.pdftoppmPath ?? "pdftoppm";
  const pdfinfo = siblingOf(pdftoppm, "pdfinfo");
  const language = options.language ?? "eng";
  const timeoutMs = options.timeoutMs ?? 120_000;
  const dpi = options.dpi ?? 300;
  if (!/^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$/.test(language)) {
    throw new UsageError(`bad OCR language: ${JSON.stringify(language)}`);
  }
  if (!Number.isInteger(dpi) || dpi < 36 || dpi > 1200) {
    throw new UsageError(`OCR dpi must be an integer from 36 to 1200, got ${dpi}`);
  }
  if (!(timeoutMs > 0)) throw new UsageError(`OCR timeout must be positive, got ${timeoutMs}`);

  const env = {...process.env, OMP_THREAD_LIMIT: "1"};
  let installed: boolean | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every earlier call of this runner has settled. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  }

  const run = (tool: Tool, args: readonly string[], signal?: AbortSignal) =>
    runTool({tool, args, timeoutMs, env, signal});
  const tesseractTool: Tool = {file: tesseract, name: "tesseract", install: INSTALL_TESSERACT};
  const recognizeFile = async (path: string, signal?: AbortSignal) =>
    cleanText(await run(tesseractTool, [path, "stdout", "-l", language], signal));

  return {
    get available() {
      installed ??= isExecutable(tesseract);
      return installed;
    },
    get unavailableReason() {
      return this.available
        ? undefined
        : `tesseract is not installed (${INSTALL_TESSERACT}; and poppler-utils for PDF pages)`;
    },
    recognize(image, signal) {
      return exclusive(() =>
        withTempDir(async (dir) => {
          signal?.throwIfAborted();
          checkImage(image);
          const path = join(dir, "image");
          await writeFile(path, image);
          return recognizeFile(path, signal);
        })
      );
    },
    recognizePdfPages(pdf, pages, signal) {
      const bad = pages.find((page) => !Number.isInteger(page) || page < 1);
      if (bad !== undefined) return Promise.reject(new UsageError(`bad PDF page number: ${bad}`));
      return exclusive(() =>
        withTempDir(async (dir) => {
          const texts = new Map<number, string>();
          if (pages.length === 0) return texts;
          signal?.throwIfAborted();
          const pdfPath = join(dir, "input.pdf");
          await writeFile(pdfPath, pdf);
          const poppler = (file: string, name: string): Tool => ({file, name, install: INSTALL_POPPLER});
          const first = pages.reduce((a, b) => Math.min(a, b));
          const last = pages.reduce((a, b) => Math.max(a, b));
          const infoArgs = ["-f", String(first), "-l", String(last), pdfPath];
          const sizes = pageSizes(await run(poppler(pdfinfo, "pdfinfo"), infoArgs, signal));
          for (const page of pages) {
            signal?.throwIfAborted();
            const pngBase = join(dir, `page-${page}`);
            const pageArgs = ["-f", String(page), "-l", String(page), "-png", "-singlefile", pdfPath, pngBase];
            await run(poppler(pdftoppm, "pdftoppm"), [...resolutionArgs(sizes.get(page), dpi), ...pageArgs], signal);
            texts.set(page, await recognizeFile(`${pngBase}.png`, signal));
            await rm(`${pngBase}.png`, {force: true});
          }
          return texts;
        })
      );
    }
  };
}

interface Tool {
  readonly file: string;
  readonly name: string;
  /** How to install it, named when it is missing. */
  readonly install: string;
}

/** Runs a tool without a shell; every failure becomes one line naming the tool, usable as a load failure's reason. */
function runTool(options: {
  tool: Tool;
  args: readonly string[];
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<string> {
  const {tool, args, timeoutMs, env, signal} = options;
  return new Promise((resolve, reject) => {
    execFile(
      tool.file,
      args,
      {timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: MAX_OUTPUT_BYTES, env, signal, encoding: "utf8"},
      (error, stdout, stderr) => {
        if (error == null) return resolve(stdout);
        if (signal?.aborted) return reject(signal.reason);
        const failure = error as NodeJS.ErrnoException & {killed?: boolean; code?: string | number; signal?: string};
        if (failure.code === "ENOENT") return reject(new H2oGptError(`${tool.name} is not installed (${tool.install})`));
        if (failure.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          return reject(new H2oGptError(`${tool.name} printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB`));
        }
        if (failure.killed) return reject(new H2oGptError(`${tool.name} timed out after ${timeoutMs / 1000} s`));
        reject(new H2oGptError(`${tool.name} failed: ${stderrReason(stderr) ?? exitStatus(failure)}`));
      }
    );
  });
}

function exitStatus(failure: {code?: string | number; signal?: string}): string {
  return failure.signal != null ? `killed by ${failure.signal}` : `exit code ${failure.code}`;
}

/** The line of a tool's stderr that says what went wrong (tesseract prints several, the telling one first). */
function stderrReason(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const language = lines.find((line) => line.startsWith("Failed loading language"));
  if (language != null) return `${language} (install its tesseract-ocr-<lang> package)`;
  const line = lines.find((candidate) => !/^(Estimating resolution|Syntax Warning|Warning)/.test(candidate));
  return line?.slice(0, 300);
}

/** Tesseract ends each page with a form feed and pads lines; the loaders want plain text. */
function cleanText(text: string): string {
  return text.replace(/\f/g, "\n").replace(/[ \t]+\n/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
}

/** pdftoppm's resolution for a page: `dpi`, lowered so the render's long side stays within MAX_RENDER_SIDE. */
function resolutionArgs(longSidePoints: number | undefined, dpi: number): string[] {
  if (longSidePoints === undefined) return ["-scale-to", String(MAX_RENDER_SIDE)];
  return ["-r", String(Math.max(1, Math.min(dpi, Math.floor((MAX_RENDER_SIDE * 72) / longSidePoints))))];
}

/** Long side in points of each page pdfinfo lists ("Page    3 size: 612 x 792 pts (letter)"). */
function pageSizes(info: string): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const match of info.matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)) {
    sizes.set(Number(match[1]), Math.max(Number(match[2]), Number(match[3]), 1));
  }
  return sizes;
}

/**
 * Refuses bytes that are not an image tesseract reads, and images too large to decode within bounds. Needed
 * beyond a clear message: tesseract reads a non-image file as a list of image paths to open.
 */
function checkImage(bytes: Uint8Array): void {
  const size = imageSize(bytes);
  if (size === null) throw new H2oGptError("not a PNG, JPEG, TIFF, BMP, GIF or WebP image");
  if (size !== undefined && size.width * size.height > MAX_IMAGE_PIXELS) {
    const limit = `at most ${MAX_IMAGE_PIXELS / 1e6} megapixels`;
    throw new H2oGptError(`image too large for OCR: ${size.width} x ${size.height} pixels (${limit})`);
  }
}

/** Width and height from the header; undefined when the format's header does not say cheaply; null for no image. */
function imageSize(bytes: Uint8Array): {width: number; height: number} | undefined | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasAt = (offset: number, ...signature: number[]) => signature.every((byte, i) => bytes[offset + i] === byte);
  const startsWith = (...signature: number[]) => hasAt(0, ...signature);
  if (bytes.length >= 24 && startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) {
    return {width: view.getUint32(16), height: view.getUint32(20)};
  }
  if (bytes.length >= 26 && startsWith(0x42, 0x4d)) {
    return {width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true))};
  }
  if (bytes.length >= 10 && startsWith(0x47, 0x49, 0x46, 0x38)) {
    return {width: view.getUint16(6, true), height: view.getUint16(8, true)};
  }
  if (bytes.length >= 3 && startsWith(0xff, 0xd8, 0xff)) return jpegSize(bytes, view);
  if (bytes.length >= 4 && (startsWith(0x49, 0x49, 0x2a, 0x00) || startsWith(0x4d, 0x4d, 0x00, 0x2a))) return undefined;
  const isWebp = bytes.length >= 12 && startsWith(0x52, 0x49, 0x46, 0x46) && hasAt(8, 0x57, 0x45, 0x42, 0x50);
  if (isWebp) return undefined;
  return null;
}

/** Walks JPEG markers to the first start-of-frame, which holds the size. */
function jpegSize(bytes: Uint8Array, view: DataView): {width: number; height: number} | undefined {
  let offset = 2;
  while (offset + 9 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return {width: view.getUint16(offset + 7), height: view.getUint16(offset + 5)};
    offset += 2 + view.getUint16(offset + 2);
  }
  return undefined;
}

function isExecutable(command: string): boolean {
  const candidates = command.includes("/")
    ? [command]
    : (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

/** pdfinfo ships with pdftoppm (poppler-utils): when pdftoppm is given as a path, pdfinfo is taken from beside it. */
function siblingOf(path: string, name: string): string {
  return path.includes("/") ? join(path, "..", name) : name;
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "h2ogpt-ocr-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
