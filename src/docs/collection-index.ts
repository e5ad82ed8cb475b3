import type {CollectionInfo, CollectionScope} from "./collections.js";
import type {
  CollectionStats,
  DocumentRecord,
  DocumentSummary,
  EmbeddingIdentity,
  ScoredChunk,
  SearchOptions,
  StoredFile
} from "./document-collection.js";

/** A value now (SQLite answers synchronously) or later (PostgreSQL); callers always await it. */
export type Awaitable<T> = T | Promise<T>;

/** One step of an ingest batch (ingest.ts): start a file, store one of its documents, or finish it with its hash. */
export type IngestOp =
  | {readonly op: "begin"; readonly key: string; readonly bytes: number}
  | {readonly op: "document"; readonly key: string; readonly record: DocumentRecord}
  | {readonly op: "finish"; readonly key: string; readonly hash: string};

/**
 * A document's own row values as both stores insert them, in this order: source, hash, format, title, metadata
 * (JSON), text_chars, chunk_count, added_at (now).
 */
export function documentRowValues(document: DocumentRecord): (string | number | null)[] {
  return [
    document.source,
    document.hash,
    document.format,
    document.title ?? null,
    document.metadata == null ? null : JSON.stringify(document.metadata),
    document.textChars,
    document.chunks.length,
    Date.now()
  ];
}

/**
 * One collection's index, as ingest, retrieve and the server use it: DocumentCollection (one SQLite file, the
 * default) and PgCollection (`--db_url`, rows of the shared PostgreSQL database) implement it.
 */
export interface CollectionIndex {
  /** Where it is stored, for messages: a file path, or `postgres:<scope>/<name>`. */
  readonly path: string;
  /** The folder holding the collection's own files (ingest never reads it as input); none in PostgreSQL. */
  readonly localFolder: string | undefined;
  readonly embedding: EmbeddingIdentity | undefined;
  useEmbedding(identity: EmbeddingIdentity, reembedHint: string): Awaitable<void>;
  resetEmbedding(identity: EmbeddingIdentity | undefined): Awaitable<void>;
  file(path: string): Awaitable<StoredFile | undefined>;
  filesUnder(prefix: string): Awaitable<StoredFile[]>;
  /**
   * Applies a batch of ingest steps in one transaction: committed whole or not at all. `fileIds` carries the row
   * of each file begun in this or an earlier batch of the same ingest.
   */
  commitBatch(ops: readonly IngestOp[], fileIds: Map<string, number>): Awaitable<void>;
  deleteSource(source: string): Awaitable<number>;
  deleteDocument(id: number): Awaitable<boolean>;
  chunk(rowId: number): Awaitable<ScoredChunk | undefined>;
  purge(): Awaitable<void>;
  documents(): Awaitable<DocumentSummary[]>;
  document(id: number): Awaitable<(DocumentSummary & {metadata: Record<string, string | number> | null}) | undefined>;
  chunksOf(documentId: number): Awaitable<ScoredChunk[]>;
  chunksInOrder(options?: {limit?: number; sources?: readonly string[]}): Awaitable<ScoredChunk[]>;
  stats(): Awaitable<CollectionStats>;
  search(options: SearchOptions): Awaitable<ScoredChunk[]>;
  chunksWithoutVectors(batch: number): Iterable<{id: number; content: string}[]> | AsyncIterable<{id: number; content: string}[]>;
  addVectors(rows: readonly {id: number; vector: Float32Array}[]): Awaitable<void>;
  close(): void;
}

/**
 * Where a process's collections are: SQLite files under a persist directory (sqliteCollections) or the shared
 * PostgreSQL database (pgCollections). Scoping (who sees which collection) is the same for both.
 */
export interface CollectionBackend {
  /** A key naming the collection `name` of this scope, the same for every user who shares it. */
  locate(scope: CollectionScope, name: string): string;
  open(scope: CollectionScope, name: string, options?: {create?: boolean}): Promise<CollectionIndex>;
  list(scope: CollectionScope): Promise<CollectionInfo[]>;
  /** Deletes the whole collection; returns whether there was one. */
  remove(scope: CollectionScope, name: string): Promise<boolean>;
  /** Releases what the backend holds (a database it opened); CollectionManager.close calls it. */
  close?(): Promise<void>;
}
