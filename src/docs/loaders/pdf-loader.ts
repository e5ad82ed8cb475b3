import {extractText, getDocumentProxy} from "unpdf";
import {DocumentLoadError} from "../docs-errors.js";
import type {DocumentInput, LoadContext, LoadedDocument, Loader, TextSegment} from "../document-types.js";

/** pdf.js's VerbosityLevel.ERRORS: its warnings (missing standard font data, odd fonts) would flood ingest output. */
const PDFJS_ERRORS_ONLY = 0;

/**
 * PDFs through pdf.js (unpdf): one segment per page that has text, numbered from 1. Pages without a text layer
 * (scans) are OCRed when the context's OCR is available; otherwise the text pages are kept and each other page
 * is reported, or the whole file fails when no page has text.
 */
export const pdfLoader: Loader = {
  formats: ["pdf"],
  async *load(input: DocumentInput, context: LoadContext): AsyncIterable<LoadedDocument> {
    context.signal?.throwIfAborted();
    const {title, pages} = await readPdfText(input);
    if (pages.length === 0) throw new DocumentLoadError(input.source, "no text found: the PDF has no pages");
    const texts = new Map(pages.map((text, i) => [i + 1, text] as const));
    const textless = [...texts].filter(([, text]) => text === "").map(([page]) => page);
    const hasText = textless.length < pages.length;

    if (textless.length > 0) {
      const {ocr} = context;
      let failure: string | undefined;
      if (!ocr.available) {
        failure = `OCR is unavailable: ${ocr.unavailableReason ?? "no OCR configured"}`;
      } else {
        try {
          const recognized = await ocr.recognizePdfPages(input.bytes, textless, context.signal);
          for (const page of textless) texts.set(page, (recognized.get(page) ?? "").trim());
        } catch (error) {
          if (context.signal?.aborted) throw error;
          failure = `OCR failed: ${oneLine(error)}`;
        }
      }
      if (failure !== undefined) {
        if (!hasText) throw new DocumentLoadError(input.source, `no text layer (a scanned PDF?) and ${failure}`);
        for (const page of textless) {
          const source = `${input.source}#page=${page}`;
          context.reportFailure({source, reason: `page has no text layer and ${failure}`});
        }
      }
    }

    const segments: TextSegment[] = [...texts].filter(([, text]) => text !== "").map(([page, text]) => ({text, page}));
    if (segments.length === 0) {
      throw new DocumentLoadError(input.source, "no text found: no page has a text layer and OCR recognised nothing");
    }
    yield {source: input.source, format: "pdf", ...(title === undefined ? {} : {title}), segments};
  }
};

/** Each page's text (trimmed; "" for a page without a text layer) and the info dictionary's title. */
async function readPdfText(input: DocumentInput): Promise<{title?: string; pages: string[]}> {
  // pdf.js transfers (detaches) the buffer it is given, and the bytes are still needed for OCR and by the caller.
  const data = new Uint8Array(input.bytes);
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(data, {verbosity: PDFJS_ERRORS_ONLY, disableFontFace: true, isEvalSupported: false});
  } catch (error) {
    throw openFailure(input.source, error);
  }
  try {
    const {text} = await extractText(pdf, {mergePages: false});
    return {title: await infoTitle(pdf), pages: text.map((page) => page.trim())};
  } catch (error) {
    throw new DocumentLoadError(input.source, `corrupt PDF: ${oneLine(error)}`, {cause: error});
  } finally {
    await pdf.destroy();
  }
}

/** The info dictionary's Title; a broken info dictionary costs only the title. */
async function infoTitle(pdf: Awaited<ReturnType<typeof getDocumentProxy>>): Promise<string | undefined> {
  try {
    const {info} = await pdf.getMetadata();
    const title = (info as {Title?: unknown}).Title;
    return typeof title === "string" && title.trim() !== "" ? title.trim() : undefined;
  } catch {
    return undefined;
  }
}

function openFailure(source: string, error: unknown): DocumentLoadError {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") {
    return new DocumentLoadError(source, "encrypted PDF (password protected): cannot read", {cause: error});
  }
  if (/encrypt/i.test(oneLine(error))) {
    return new DocumentLoadError(source, `encrypted PDF (${oneLine(error)}): cannot read`, {cause: error});
  }
  return new DocumentLoadError(source, `corrupt PDF: ${oneLine(error)}`, {cause: error});
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, " ").trim().slice(0, 300) || "unknown error";
}
