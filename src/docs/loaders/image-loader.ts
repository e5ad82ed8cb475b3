import {DocumentLoadError} from "../docs-errors.js";
import type {DocumentInput, LoadContext, LoadedDocument, Loader} from "../document-types.js";

/** Images (PNG, JPEG, TIFF, BMP) become one text segment through the context's OCR. */
export const imageLoader: Loader = {
  formats: ["image"],
  async *load(input: DocumentInput, context: LoadContext): AsyncIterable<LoadedDocument> {
    const {ocr} = context;
    if (!ocr.available) {
      const reason = ocr.unavailableReason ?? "no OCR is configured";
      throw new DocumentLoadError(input.source, `image needs OCR, but ${reason}`);
    }
    let text: string;
    try {
      text = (await ocr.recognize(input.bytes, context.signal)).trim();
    } catch (error) {
      if (context.signal?.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new DocumentLoadError(input.source, `OCR failed: ${message.replace(/\s+/g, " ").trim()}`, {cause: error});
    }
    if (text === "") throw new DocumentLoadError(input.source, "no text found: OCR recognised nothing in the image");
    yield {source: input.source, format: "image", segments: [{text}]};
  }
};
