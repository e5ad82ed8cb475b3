/**
 * Document Q&A, the document side: loaders (bytes + name in, text segments with page/section out), h2oGPT's
 * chunker, one SQLite index per collection (FTS5 BM25, sqlite-vec vectors when an embedding model is used),
 * ingestion that is incremental and resumable, and retrieval with sources.
 *
 * @example
 * const collection = openCollection({persistDirectory: "h2ogpt_db", user: "local"}, "UserData", {create: true});
 * await ingest({collection, inputs: ["docs/"], ocr: createTesseractOcr()});
 * const sources = await retrieve({collection, query: "How do I install it?", topK: 3});
 */
export type {
  ArchiveLimits,
  DatasetColumns,
  DocumentFormat,
  DocumentInput,
  LoadContext,
  LoadedDocument,
  LoadFailure,
  Loader,
  OcrRunner,
  TextSegment
} from "./document-types.js";
export {DEFAULT_ARCHIVE_LIMITS} from "./document-types.js";
export {ArchiveLimitError, CollectionNotFoundError, DocumentLoadError, EmbeddingMismatchError, UrlRefusedError} from "./docs-errors.js";
export {detectFormat, type DetectedFormat} from "./detect-format.js";
export {loadDocuments, type LoadDocumentsOptions} from "./load-documents.js";
export {chunkDocument, type ChunkDocumentOptions} from "./chunk-document.js";
export {splitText, DEFAULT_CHUNK_SIZE, DEFAULT_SEPARATORS, type SplitTextOptions, type TextChunk} from "./split-text.js";
export {
  DocumentCollection,
  type ChunkInput,
  type CollectionStats,
  type DocumentRecord,
  type DocumentSummary,
  type EmbeddingIdentity,
  type ScoredChunk,
  type SearchOptions
} from "./document-collection.js";
export {
  checkCollectionName,
  collectionPath,
  DEFAULT_PERSIST_DIRECTORY,
  listCollections,
  LLM_MODE,
  MY_DATA,
  openCollection,
  removeCollection,
  sqliteCollections,
  USER_DATA,
  type CollectionInfo,
  type CollectionScope
} from "./collections.js";
export {createEmbedder, modelDigest, type Embedder} from "./embedder.js";
export {ingest, type IngestOptions, type IngestProgress, type IngestSummary, type UploadedFile} from "./ingest.js";
export {reembed} from "./reembed.js";
export {retrieve, DEFAULT_TOP_K_DOCS, type RetrieveOptions} from "./retrieve.js";
export {createTesseractOcr} from "./loaders/tesseract-ocr.js";
export {fetchUrl} from "./fetch-url.js";
export {isPublicAddress} from "./address-policy.js";
export {CollectionManager, type CollectionListing, type CollectionManagerOptions} from "./collection-manager.js";
export type {Awaitable, CollectionBackend, CollectionIndex, IngestOp} from "./collection-index.js";
export {PgCollection} from "./pg-collection.js";
export {pgCollections, type PgCollectionsOptions} from "./pg-collections.js";
