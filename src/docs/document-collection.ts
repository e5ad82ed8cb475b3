import {existsSync, mkdirSync} from "node:fs";
import {dirname} from "node:path";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import {InputFileError} from "../errors/index.js";
import {documentRowValues, type CollectionIndex, type IngestOp} from "./collection-index.js";
import {EmbeddingMismatchError} from "./docs-errors.js";
import type {DocumentFormat} from "./document-types.js";
import {indexedText, matchExpression, queryTerms} from "./search-terms.js";

/**
 * One collection's index in one SQLite file (WAL): files, the documents they gave, chunks, an FTS5 index of the
 * chunks (BM25) and, once an embedding model is used, a sqlite-vec table of chunk vectors (exact cosine).
 *
 * The FTS table is contentless (the chunk text is stored once, in `chunks`), so the disk used stays close to the
 * text size. Writers commit in batches; readers on other connections see only committed batches, so a query
 * during ingestion works. A file's row gets its content hash only in the transaction that stores its last
 * document: a file cut off by a crash has no hash and is redone whole on the next run.
 */

const SCHEMA_VERSION = "1";
/** FTS5's bm25() constants (fixed in SQLite), used to turn a BM25 score into a fraction of the best possible. */
const BM25_K1 = 1.2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  hash TEXT,
  bytes INTEGER NOT NULL,
  ingested_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  source TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  format TEXT NOT NULL,
  title TEXT,
  metadata TEXT,
  text_chars INTEGER NOT NULL,
  chunk_count INTEGER NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_file ON documents(file_id);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  chunk_index INTEGER NOT NULL,
  page INTEGER,
  section TEXT,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  hash TEXT NOT NULL,
  content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id, chunk_index);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  body, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
`;

/** The embedding model a collection's vectors came from: the same model must embed every question and chunk. */
export interface EmbeddingIdentity {
  /** A display name (the GGUF's file name). */
  readonly name: string;
  /** A digest of the model file, so a renamed copy is the same model and a different file with the same name is not. */
  readonly digest: string;
  readonly dimension: number;
}

export interface ChunkInput {
  readonly chunkIndex: number;
  readonly page?: number;
  readonly section?: string;
  readonly start: number;
  readonly end: number;
  readonly hash: string;
  readonly content: string;
  readonly vector?: Float32Array;
}

export interface DocumentRecord {
  readonly source: string;
  readonly hash: string;
  readonly format: DocumentFormat;
  readonly title?: string;
  readonly metadata?: Readonly<Record<string, string | number>>;
  readonly textChars: number;
  readonly chunks: readonly ChunkInput[];
}

export interface StoredFile {
  readonly id: number;
  readonly path: string;
  /** Null while the file is being ingested (or when a crash cut it off). */
  readonly hash: string | null;
  readonly bytes: number;
}

export interface DocumentSummary {
  readonly id: number;
  readonly source: string;
  readonly file: string;
  readonly format: string;
  readonly title: string | null;
  readonly chunks: number;
  readonly textChars: number;
  readonly addedAt: number;
}

/** A retrieved chunk, with h2oGPT's source fields. */
export interface ScoredChunk {
  readonly source: string;
  readonly page: number | null;
  /** The chunk's index within its document (h2oGPT's chunk_id). */
  readonly chunkId: number;
  /** The chunk's row id, stable while the document is unchanged (to fetch it again, e.g. for a viewer). */
  readonly chunkRowId: number;
  readonly documentId: number;
  /** In [0, 1]; higher is better. */
  readonly score: number;
  readonly content: string;
  readonly title: string | null;
  readonly start: number;
  readonly end: number;
}

export interface SearchOptions {
  readonly query: string;
  readonly topK: number;
  /** The question's vector, for vector and hybrid search. */
  readonly queryVector?: Float32Array;
  /** Restrict to these document sources (h2oGPT's document_choice). */
  readonly sources?: readonly string[];
}

export interface CollectionStats {
  readonly files: number;
  readonly documents: number;
  readonly chunks: number;
  readonly textChars: number;
  readonly embedding: EmbeddingIdentity | undefined;
}

/** Reciprocal rank fusion's constant (Cormack et al.): ranks past ~60 add little. */
const RRF_K = 60;
/** Candidates each ranking contributes to a hybrid fusion. */
const FUSION_DEPTH = 50;

export class DocumentCollection implements CollectionIndex {
  private readonly db: Database.Database;
  private embeddingIdentity: EmbeddingIdentity | undefined;

  private constructor(
    readonly path: string,
    db: Database.Database
  ) {
    this.db = db;
    const raw = this.meta("embedding");
    this.embeddingIdentity = raw == null ? undefined : (JSON.parse(raw) as EmbeddingIdentity);
  }

  /** Opens (creating when asked) the collection file at `path`. */
  static open(path: string, options: {create?: boolean; readonly?: boolean} = {}): DocumentCollection {
    const create = options.create ?? true;
    if (!existsSync(path)) {
      if (!create) throw new InputFileError(path, "no such collection file");
      mkdirSync(dirname(path), {recursive: true});
    }
    let db: Database.Database;
    try {
      db = new Database(path, {fileMustExist: !create});
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 10000");
      sqliteVec.load(db);
      db.exec(SCHEMA);
    } catch (error) {
      throw new InputFileError(path, `cannot open the collection database: ${(error as Error).message}`, {cause: error});
    }
    const collection = new DocumentCollection(path, db);
    const version = collection.meta("schema_version");
    if (version == null) collection.setMeta("schema_version", SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION)
      throw new InputFileError(path, `collection schema version ${version}; this h2ogpt-ts reads version ${SCHEMA_VERSION}`);
    return collection;
  }

  get embedding(): EmbeddingIdentity | undefined {
    return this.embeddingIdentity;
  }

  get localFolder(): string {
    return dirname(this.path);
  }

  /**
   * Checks that `identity` may embed this collection's chunks and questions, recording it when the collection has
   * no vectors yet. A collection built with another model is an EmbeddingMismatchError naming both.
   */
  useEmbedding(identity: EmbeddingIdentity, reembedHint: string): void {
    const current = this.embeddingIdentity;
    if (current == null) {
      if (this.count("chunks") > 0)
        throw new EmbeddingMismatchError(
          `the collection has ${this.count("chunks")} chunks without vectors; to add ${identity.name}'s vectors to them run: ${reembedHint}`
        );
      this.setEmbedding(identity);
      return;
    }
    if (current.digest !== identity.digest || current.dimension !== identity.dimension)
      throw new EmbeddingMismatchError(
        `the collection was embedded with ${current.name} (${current.dimension} dimensions), not ${identity.name} (${identity.dimension}); to switch models run: ${reembedHint}`
      );
  }

  /** Drops every vector and records `identity` (or none): the start of a re-embedding. */
  resetEmbedding(identity: EmbeddingIdentity | undefined): void {
    this.db.transaction(() => {
      this.db.exec("DROP TABLE IF EXISTS chunks_vec");
      this.db.prepare("DELETE FROM meta WHERE key = 'embedding'").run();
      this.embeddingIdentity = undefined;
      if (identity != null) this.setEmbedding(identity);
    })();
  }

  private setEmbedding(identity: EmbeddingIdentity): void {
    if (!Number.isInteger(identity.dimension) || identity.dimension <= 0 || identity.dimension > 16384)
      throw new EmbeddingMismatchError(`embedding dimension ${identity.dimension} is not usable`);
    this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vec USING vec0(embedding float[${identity.dimension}] distance_metric=cosine)`);
    this.setMeta("embedding", JSON.stringify(identity));
    this.embeddingIdentity = identity;
  }

  file(path: string): StoredFile | undefined {
    return this.db.prepare("SELECT id, path, hash, bytes FROM files WHERE path = ?").get(path) as StoredFile | undefined;
  }

  /** Files whose path starts with `prefix` (a folder being synchronised). */
  filesUnder(prefix: string): StoredFile[] {
    return this.db
      .prepare("SELECT id, path, hash, bytes FROM files WHERE substr(path, 1, length(?)) = ? ORDER BY path")
      .all(prefix, prefix) as StoredFile[];
  }

  /** Runs `work` in one transaction: a batch of the ingest is committed whole or not at all. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  commitBatch(ops: readonly IngestOp[], fileIds: Map<string, number>): void {
    this.transaction(() => {
      for (const op of ops) {
        if (op.op === "begin") fileIds.set(op.key, this.beginFile(op.key, op.bytes));
        else if (op.op === "document") this.addDocument(fileIds.get(op.key)!, op.record);
        else this.finishFile(fileIds.get(op.key)!, op.hash);
      }
    });
  }

  /** Starts (or restarts) a file: its old documents go, its row loses its hash until `finishFile`. */
  beginFile(path: string, bytes: number): number {
    const existing = this.file(path);
    if (existing != null) this.deleteFileDocuments(existing.id);
    const row = this.db
      .prepare(
        `INSERT INTO files (path, hash, bytes, ingested_at) VALUES (?, NULL, ?, ?)
         ON CONFLICT(path) DO UPDATE SET hash = NULL, bytes = excluded.bytes, ingested_at = excluded.ingested_at RETURNING id`
      )
      .get(path, bytes, Date.now()) as {id: number};
    return row.id;
  }

  finishFile(fileId: number, hash: string): void {
    this.db.prepare("UPDATE files SET hash = ?, ingested_at = ? WHERE id = ?").run(hash, Date.now(), fileId);
  }

  /** Stores a document and its chunks (and vectors, which a collection with an embedding model requires). */
  addDocument(fileId: number, document: DocumentRecord): number {
    const withVectors = this.embeddingIdentity != null;
    const insertDocument = this.statement(
      `INSERT INTO documents (file_id, source, hash, format, title, metadata, text_chars, chunk_count, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(source) DO NOTHING RETURNING id`
    );
    const existing = this.statement("SELECT id FROM documents WHERE source = ?").get(document.source) as {id: number} | undefined;
    if (existing != null) this.deleteDocuments([existing.id]);
    const row = insertDocument.get(fileId, ...documentRowValues(document)) as {id: number};
    const insertChunk = this.statement(
      "INSERT INTO chunks (document_id, chunk_index, page, section, start, end, hash, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    );
    const insertFts = this.statement("INSERT INTO chunks_fts (rowid, body) VALUES (?, ?)");
    const insertVector = withVectors ? this.statement("INSERT INTO chunks_vec (rowid, embedding) VALUES (?, ?)") : undefined;
    for (const chunk of document.chunks) {
      const {lastInsertRowid} = insertChunk.run(
        row.id,
        chunk.chunkIndex,
        chunk.page ?? null,
        chunk.section ?? null,
        chunk.start,
        chunk.end,
        chunk.hash,
        chunk.content
      );
      // A chunk's heading (a section, slide title or sheet name) is indexed with it: the words a question shares
      // with a chunk are often in the heading the chunk sits under, not in the chunk.
      insertFts.run(lastInsertRowid, indexedText(chunk.section == null || chunk.content.startsWith(chunk.section) ? chunk.content : `${chunk.section}\n${chunk.content}`));
      if (insertVector != null) {
        if (chunk.vector == null) throw new EmbeddingMismatchError(`${document.source}: chunk ${chunk.chunkIndex} has no vector`);
        insertVector.run(BigInt(lastInsertRowid), chunk.vector);
      }
    }
    return row.id;
  }

  /** Deletes a file (by its path) with its documents, or one document (by its source). Returns the documents removed. */
  deleteSource(source: string): number {
    return this.transaction(() => {
      const file = this.file(source);
      if (file != null) {
        const removed = this.deleteFileDocuments(file.id);
        this.db.prepare("DELETE FROM files WHERE id = ?").run(file.id);
        return removed;
      }
      const document = this.db.prepare("SELECT id FROM documents WHERE source = ?").get(source) as {id: number} | undefined;
      if (document == null) return 0;
      this.deleteDocuments([document.id]);
      return 1;
    });
  }

  /** Deletes one document by its id; returns whether there was one. */
  deleteDocument(id: number): boolean {
    return this.transaction(() => {
      const found = this.db.prepare("SELECT id FROM documents WHERE id = ?").get(id) != null;
      if (found) this.deleteDocuments([id]);
      return found;
    });
  }

  /** One chunk by its row id (a cited chunk, for a viewer). */
  chunk(rowId: number): ScoredChunk | undefined {
    const row = this.statement(
      `SELECT c.id AS chunkRowId, c.chunk_index AS chunkId, c.page, c.content, c.start, c.end, d.id AS documentId, d.source, d.title
       FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?`
    ).get(rowId) as Omit<ScoredChunk, "score"> | undefined;
    return row == null ? undefined : {...row, score: 1};
  }

  /** Empties the collection (keeping its embedding model). */
  purge(): void {
    this.transaction(() => {
      this.db.exec("DELETE FROM chunks_fts; DELETE FROM chunks; DELETE FROM documents; DELETE FROM files;");
      if (this.embeddingIdentity != null) this.db.exec("DELETE FROM chunks_vec");
    });
  }

  documents(): DocumentSummary[] {
    return this.db
      .prepare(
        `SELECT d.id, d.source, f.path AS file, d.format, d.title, d.chunk_count AS chunks, d.text_chars AS textChars, d.added_at AS addedAt
         FROM documents d JOIN files f ON f.id = d.file_id ORDER BY d.source`
      )
      .all() as DocumentSummary[];
  }

  document(id: number): (DocumentSummary & {metadata: Record<string, string | number> | null}) | undefined {
    const row = this.db
      .prepare(
        `SELECT d.id, d.source, f.path AS file, d.format, d.title, d.chunk_count AS chunks, d.text_chars AS textChars,
                d.added_at AS addedAt, d.metadata FROM documents d JOIN files f ON f.id = d.file_id WHERE d.id = ?`
      )
      .get(id) as (DocumentSummary & {metadata: string | null}) | undefined;
    return row == null ? undefined : {...row, metadata: row.metadata == null ? null : JSON.parse(row.metadata)};
  }

  /** A document's chunks in order (its text, as indexed), for viewers and summaries. */
  chunksOf(documentId: number): ScoredChunk[] {
    return (
      this.db
        .prepare(
          `SELECT c.id AS chunkRowId, c.chunk_index AS chunkId, c.page, c.content, c.start, c.end, d.id AS documentId, d.source, d.title
           FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = ? ORDER BY c.chunk_index`
        )
        .all(documentId) as Omit<ScoredChunk, "score">[]
    ).map((chunk) => ({...chunk, score: 1}));
  }

  /** Chunks of whole documents in document order (all documents, or those of `sources`), at most `limit`. */
  chunksInOrder(options: {limit?: number; sources?: readonly string[]} = {}): ScoredChunk[] {
    const filter = options.sources == null ? "" : `WHERE d.source IN (SELECT value FROM json_each(?))`;
    const rows = this.db
      .prepare(
        `SELECT c.id AS chunkRowId, c.chunk_index AS chunkId, c.page, c.content, c.start, c.end, d.id AS documentId, d.source, d.title
         FROM chunks c JOIN documents d ON d.id = c.document_id ${filter} ORDER BY d.source, c.chunk_index LIMIT ?`
      )
      .all(...(options.sources == null ? [] : [JSON.stringify(options.sources)]), options.limit ?? -1) as Omit<ScoredChunk, "score">[];
    return rows.map((chunk) => ({...chunk, score: 1}));
  }

  stats(): CollectionStats {
    const row = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM files) AS files, (SELECT count(*) FROM documents) AS documents,
                (SELECT count(*) FROM chunks) AS chunks, (SELECT coalesce(sum(text_chars), 0) FROM documents) AS textChars`
      )
      .get() as Omit<CollectionStats, "embedding">;
    return {...row, embedding: this.embeddingIdentity};
  }

  /** Chunks that have no vector yet, in id order, for a re-embedding (point lookups: vec0 has no range scans). */
  *chunksWithoutVectors(batch: number): Generator<{id: number; content: string}[]> {
    const page = this.db.prepare("SELECT id, content FROM chunks WHERE id > ? ORDER BY id LIMIT ?");
    const hasVector = this.db.prepare("SELECT 1 FROM chunks_vec WHERE rowid = ?");
    let after = 0;
    for (;;) {
      const rows = page.all(after, batch) as {id: number; content: string}[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      const missing = rows.filter((row) => hasVector.get(BigInt(row.id)) == null);
      if (missing.length > 0) yield missing;
    }
  }

  addVectors(rows: readonly {id: number; vector: Float32Array}[]): void {
    const insert = this.statement("INSERT INTO chunks_vec (rowid, embedding) VALUES (?, ?)");
    this.transaction(() => {
      for (const row of rows) insert.run(BigInt(row.id), row.vector);
    });
  }

  /**
   * The best chunks for a question: BM25 over the full-text index, the vector ranking, or both fused by reciprocal
   * rank. Scores are in [0, 1]: BM25 as a fraction of the best score the question's terms could reach, vectors as
   * cosine similarity, fusion as a fraction of the best fused score.
   */
  search(options: SearchOptions): ScoredChunk[] {
    const topK = Math.max(0, Math.floor(options.topK));
    if (topK === 0) return [];
    const filter = options.sources == null ? undefined : new Set(options.sources);
    const depth = filter == null ? topK : Math.max(topK * 20, 500);
    if (options.queryVector == null) return this.hydrate(this.bm25(options.query, depth), filter, topK);
    const lexical = this.bm25(options.query, Math.max(depth, FUSION_DEPTH));
    const semantic = this.nearest(options.queryVector, Math.max(depth, FUSION_DEPTH));
    const fused = new Map<number, number>();
    lexical.forEach((hit, rank) => fused.set(hit.id, (fused.get(hit.id) ?? 0) + 1 / (RRF_K + rank + 1)));
    semantic.forEach((hit, rank) => fused.set(hit.id, (fused.get(hit.id) ?? 0) + 1 / (RRF_K + rank + 1)));
    const best = 2 / (RRF_K + 1);
    const ranked = [...fused].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id, value]) => ({id, score: value / best}));
    return this.hydrate(ranked, filter, topK);
  }

  private bm25(query: string, limit: number): {id: number; score: number}[] {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const rows = this.statement(
      "SELECT rowid AS id, -bm25(chunks_fts) AS raw FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?"
    ).all(matchExpression(terms), limit) as {id: number; raw: number}[];
    if (rows.length === 0) return [];
    const best = this.bestBm25(terms);
    return rows.map((row) => ({id: row.id, score: best > 0 ? Math.min(1, Math.max(0, row.raw / best)) : 0}));
  }

  /**
   * The highest BM25 score the terms could give (every term present, as if infinitely often): the sum of each
   * indexed term's idf times (k1 + 1). The terms are stemmed as the index stems them by passing them through a
   * scratch FTS table with the same tokenizer.
   */
  private bestBm25(terms: readonly string[]): number {
    this.db.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_fts USING fts5(body, tokenize='porter unicode61 remove_diacritics 2');
       CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_vocab USING fts5vocab(temp, query_fts, 'row');`
    );
    this.statement("DELETE FROM temp.query_fts").run();
    this.statement("INSERT INTO temp.query_fts (body) VALUES (?)").run(terms.join(" "));
    const stems = (this.statement("SELECT term FROM temp.query_vocab").all() as {term: string}[]).map((row) => row.term);
    const total = this.count("chunks");
    const docCount = this.statement("SELECT doc FROM chunks_vocab WHERE term = ?");
    let best = 0;
    for (const stem of stems) {
      const row = docCount.get(stem) as {doc: number} | undefined;
      if (row == null) continue;
      const idf = Math.max(1e-6, Math.log((total - row.doc + 0.5) / (row.doc + 0.5)));
      best += idf * (BM25_K1 + 1);
    }
    return best;
  }

  private nearest(vector: Float32Array, limit: number): {id: number; score: number}[] {
    if (this.embeddingIdentity == null) return [];
    if (vector.length !== this.embeddingIdentity.dimension)
      throw new EmbeddingMismatchError(`question vector has ${vector.length} dimensions, the collection ${this.embeddingIdentity.dimension}`);
    const rows = this.statement("SELECT rowid AS id, distance FROM chunks_vec WHERE embedding MATCH ? AND k = ? ORDER BY distance").all(
      vector,
      limit
    ) as {id: number; distance: number}[];
    return rows.map((row) => ({id: Number(row.id), score: Math.min(1, Math.max(0, 1 - row.distance))}));
  }

  private hydrate(hits: readonly {id: number; score: number}[], filter: ReadonlySet<string> | undefined, topK: number): ScoredChunk[] {
    const get = this.statement(
      `SELECT c.id AS chunkRowId, c.chunk_index AS chunkId, c.page, c.content, c.start, c.end, d.id AS documentId, d.source, d.title
       FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?`
    );
    const out: ScoredChunk[] = [];
    for (const hit of hits) {
      const row = get.get(hit.id) as Omit<ScoredChunk, "score"> | undefined;
      if (row == null || (filter != null && !filter.has(row.source))) continue;
      out.push({...row, score: hit.score});
      if (out.length >= topK) break;
    }
    return out;
  }

  private deleteFileDocuments(fileId: number): number {
    const ids = (this.db.prepare("SELECT id FROM documents WHERE file_id = ?").all(fileId) as {id: number}[]).map((row) => row.id);
    this.deleteDocuments(ids);
    return ids.length;
  }

  private deleteDocuments(ids: readonly number[]): void {
    const chunkIds = this.statement("SELECT id FROM chunks WHERE document_id = ?");
    const deleteFts = this.statement("DELETE FROM chunks_fts WHERE rowid = ?");
    const deleteVector = this.embeddingIdentity == null ? undefined : this.statement("DELETE FROM chunks_vec WHERE rowid = ?");
    const deleteDocument = this.statement("DELETE FROM documents WHERE id = ?");
    for (const id of ids) {
      for (const {id: chunkId} of chunkIds.all(id) as {id: number}[]) {
        deleteFts.run(chunkId);
        deleteVector?.run(BigInt(chunkId));
      }
      deleteDocument.run(id);
    }
  }

  private count(table: "chunks" | "documents" | "files"): number {
    return (this.statement(`SELECT count(*) AS n FROM ${table}`).get() as {n: number}).n;
  }

  private meta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as {value: string} | undefined)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  private readonly statements = new Map<string, Database.Statement>();

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement == null) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
