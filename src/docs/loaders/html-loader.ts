import {DocumentLoadError} from "../docs-errors.js";
import type {Loader} from "../document-types.js";
import {htmlToText} from "./html-to-text.js";

/** HTML pages: the main content as structured text (see `htmlToText`), titled by the page's <title>. */
export const htmlLoader: Loader = {
  formats: ["html"],
  async *load(input) {
    const html = new TextDecoder(htmlCharset(input.bytes)).decode(input.bytes);
    let page: {title?: string; text: string};
    try {
      page = htmlToText(html);
    } catch (error) {
      // linkedom and Readability are not hardened against every hostile page; one bad page must not stop an ingest.
      throw new DocumentLoadError(input.source, `the HTML cannot be parsed: ${(error as Error).message}`, {cause: error});
    }
    if (page.text === "") throw new DocumentLoadError(input.source, "no text found in the HTML");
    yield {source: input.source, format: "html", ...(page.title == null ? {} : {title: page.title}), segments: [{text: page.text}]};
  }
};

/** The encoding a BOM or a `<meta charset>` near the top names, when TextDecoder knows it; UTF-8 otherwise. */
function htmlCharset(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  const declared = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
  if (declared == null) return "utf-8";
  try {
    new TextDecoder(declared);
    return declared;
  } catch {
    return "utf-8";
  }
}
