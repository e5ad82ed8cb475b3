import {createHash} from "node:crypto";
import type {ChunkInput, DocumentRecord} from "./document-collection.js";
import type {LoadedDocument} from "./document-types.js";
import {splitText} from "./split-text.js";

/** A heading is stored and indexed with every chunk under it: a paragraph misused as a heading must not be. */
const MAX_SECTION_CHARS = 200;

export interface ChunkDocumentOptions {
  readonly document: LoadedDocument;
  readonly chunkSize?: number;
  readonly chunkOverlap?: number;
  /** Measures chunks in tokens instead of characters. */
  readonly lengthOf?: (text: string) => number;
}

/**
 * A loaded document as the index stores it: its segments chunked (h2oGPT's splitter) with page, section, offsets
 * into the document's text (segments joined by a blank line) and a hash per chunk, plus the document's own hash.
 *
 * @example
 * const record = chunkDocument({document: {source: "a.txt", format: "text", segments: [{text: "Hello."}]}});
 * // record.chunks[0] -> {chunkIndex: 0, start: 0, end: 6, content: "Hello.", ...}
 */
export function chunkDocument(options: ChunkDocumentOptions): DocumentRecord {
  const {document} = options;
  const chunks: ChunkInput[] = [];
  const documentHash = createHash("sha256");
  let offset = 0;
  for (const segment of document.segments) {
    if (offset > 0) documentHash.update("\n\n");
    documentHash.update(segment.text);
    for (const piece of splitText({text: segment.text, chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap, lengthOf: options.lengthOf}))
      chunks.push({
        chunkIndex: chunks.length,
        page: segment.page,
        section: segment.section?.slice(0, MAX_SECTION_CHARS),
        start: offset + piece.start,
        end: offset + piece.end,
        hash: createHash("sha256").update(piece.text).digest("base64url").slice(0, 22),
        content: piece.text
      });
    offset += segment.text.length + 2;
  }
  return {
    source: document.source,
    hash: documentHash.digest("hex"),
    format: document.format,
    title: document.title,
    metadata: document.metadata,
    textChars: Math.max(0, offset - 2),
    chunks
  };
}
