import type {PoolClient} from "pg";
import {PgvectorMissingError, type PgDatabase} from "../db/index.js";
import {documentRowValues, type CollectionIndex, type IngestOp} from "./collection-index.js";
import {EmbeddingMismatchError} from "./docs-errors.js";
import type {
  CollectionStats,
  DocumentRecord,
  DocumentSummary,
  EmbeddingIdentity,
  ScoredChunk,
  SearchOptions,
  StoredFile
} from "./document-collection.js";
import {indexedText, queryTerms} from "./search-terms.js";

const CHUNK_COLUMNS = `c.id AS "chunkRowId", c.chunk_index AS "chunkId", c.page, c.content, c.start_offset AS start, c.end_offset AS "end",
  d.id AS "documentId", d.source, d.title`;
const DOCUMENT_COLUMNS = `d.id, d.source, f.path AS file, d.format, d.title, d.chunk_count AS chunks, d.text_chars AS "textChars", d.added_at AS "addedAt"`;

interface ChunkRow extends Omit<ScoredChunk, "score" | "chunkRowId" | "documentId"> {
  chunkRowId: string;
  documentId: string;
}

function toChunk(row: ChunkRow, score: number): ScoredChunk {
  return {...row, chunkRowId: Number(row.chunkRowId), documentId: Number(row.documentId), score};
}

interface DocumentRow extends Omit<DocumentSummary, "id" | "addedAt"> {
  id: string;
  addedAt: string;
}

function toDocument(row: DocumentRow): DocumentSummary {
  return {...row, id: Number(row.id), addedAt: Number(row.addedAt)};
}

/** The question as websearch_to_tsquery reads it: the terms ORed (`a or b`), so no user text is tsquery syntax. */
function orQuery(terms: readonly string[]): string {
  return terms.map((term) => term.replace(/[^\p{L}\p{N}]+/gu, " ").trim()).filter((term) => term !== "").join(" or ");
}

/**
 * One collection's index as rows of the shared PostgreSQL database (`--db_url`): files, documents and chunks
 * carry the collection's id and every statement filters on it, so a collection opened for one user never reads
 * another's rows. Chunks have a generated `tsvector` (english configuration) with a GIN index; a question's terms
 * are ORed and ranked with ts_rank (measured here, ts_rank finds the right chunk where ts_rank_cd, which needs
 * the terms close together, does not), normalised to [0, 1) as rank / (rank + 1). Vectors need the pgvector
 * extension: without it a collection with vectors cannot be opened or given one (PgvectorMissingError).
 * Incremental ingestion is the SQLite collection's: a file's hash is set in the batch that stores its last
 * document, so a file cut off by a crash is redone whole.
 *
 * @example
 * const collection = await pgCollections(db).open({persistDirectory: "", user: "alice"}, "MyData");
 * const hits = await collection.search({query: "vacation days", topK: 3});
 */
export class PgCollection implements CollectionIndex {
  readonly localFolder = undefined;

  constructor(
    private readonly db: PgDatabase,
    readonly id: number,
    readonly path: string,
    private readonly embeddingIdentity: EmbeddingIdentity | undefined,
    /** Whether the server has pgvector (pgCollections asks it once). */
    private readonly pgvector: boolean
  ) {
    if (embeddingIdentity != null) throw this.pgvectorMissing();
  }

  get embedding(): EmbeddingIdentity | undefined {
    return this.embeddingIdentity;
  }

  private pgvectorMissing(): PgvectorMissingError {
    return new PgvectorMissingError(
      this.pgvector
        ? `${this.path}: vectors in PostgreSQL (pgvector) are not supported by this h2ogpt-ts yet; use BM25 without --embedding_model`
        : `${this.path}: vectors need the pgvector extension, which this PostgreSQL server is missing (install pgvector, or use BM25 without --embedding_model)`
    );
  }

  useEmbedding(_identity: EmbeddingIdentity, _reembedHint: string): void {
    throw this.pgvectorMissing();
  }

  resetEmbedding(identity: EmbeddingIdentity | undefined): void {
    if (identity != null) throw this.pgvectorMissing();
  }

  async file(path: string): Promise<StoredFile | undefined> {
    const {rows} = await this.db.query<StoredFile & {id: string; bytes: string}>(
      "SELECT id, path, hash, bytes FROM doc_files WHERE collection_id = $1 AND path = $2",
      [this.id, path]
    );
    return rows[0] == null ? undefined : {...rows[0], id: Number(rows[0].id), bytes: Number(rows[0].bytes)};
  }

  async filesUnder(prefix: string): Promise<StoredFile[]> {
    const {rows} = await this.db.query<StoredFile & {id: string; bytes: string}>(
      "SELECT id, path, hash, bytes FROM doc_files WHERE collection_id = $1 AND left(path, length($2)) = $2 ORDER BY path",
      [this.id, prefix]
    );
    return rows.map((row) => ({...row, id: Number(row.id), bytes: Number(row.bytes)}));
  }

  commitBatch(ops: readonly IngestOp[], fileIds: Map<string, number>): Promise<void> {
    return this.db.transaction(async (client) => {
      for (const op of ops) {
        if (op.op === "begin") fileIds.set(op.key, await this.beginFile(client, op.key, op.bytes));
        else if (op.op === "document") await this.addDocument(client, fileIds.get(op.key)!, op.record);
        else await client.query("UPDATE doc_files SET hash = $3, ingested_at = $4 WHERE id = $1 AND collection_id = $2", [fileIds.get(op.key)!, this.id, op.hash, Date.now()]);
      }
    });
  }

  /** A file's old documents go (their chunks with them); its row loses its hash until the batch that finishes it. */
  private async beginFile(client: PoolClient, path: string, bytes: number): Promise<number> {
    await client.query("DELETE FROM doc_documents WHERE collection_id = $1 AND file_id IN (SELECT id FROM doc_files WHERE collection_id = $1 AND path = $2)", [
      this.id,
      path
    ]);
    const {rows} = await client.query<{id: string}>(
      `INSERT INTO doc_files (collection_id, path, hash, bytes, ingested_at) VALUES ($1, $2, NULL, $3, $4)
       ON CONFLICT (collection_id, path) DO UPDATE SET hash = NULL, bytes = excluded.bytes, ingested_at = excluded.ingested_at RETURNING id`,
      [this.id, path, bytes, Date.now()]
    );
    return Number(rows[0]!.id);
  }

  private async addDocument(client: PoolClient, fileId: number, document: DocumentRecord): Promise<void> {
    await client.query("DELETE FROM doc_documents WHERE collection_id = $1 AND source = $2", [this.id, document.source]);
    const {rows} = await client.query<{id: string}>(
      `INSERT INTO doc_documents (collection_id, file_id, source, hash, format, title, metadata, text_chars, chunk_count, added_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [this.id, fileId, ...documentRowValues(document)]
    );
    const chunks = document.chunks;
    // One statement per document: the chunk columns as arrays, unnested into rows.
    await client.query(
      `INSERT INTO doc_chunks (collection_id, document_id, chunk_index, page, section, start_offset, end_offset, hash, content, indexed)
       SELECT $1, $2, * FROM unnest($3::int[], $4::int[], $5::text[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[])`,
      [
        this.id,
        Number(rows[0]!.id),
        chunks.map((chunk) => chunk.chunkIndex),
        chunks.map((chunk) => chunk.page ?? null),
        chunks.map((chunk) => chunk.section ?? null),
        chunks.map((chunk) => chunk.start),
        chunks.map((chunk) => chunk.end),
        chunks.map((chunk) => chunk.hash),
        chunks.map((chunk) => chunk.content),
        // A chunk's heading is indexed with it, as in the SQLite collection.
        chunks.map((chunk) => indexedText(chunk.section == null || chunk.content.startsWith(chunk.section) ? chunk.content : `${chunk.section}\n${chunk.content}`))
      ]
    );
  }

  deleteSource(source: string): Promise<number> {
    return this.db.transaction(async (client) => {
      const file = await client.query<{id: string}>("SELECT id FROM doc_files WHERE collection_id = $1 AND path = $2", [this.id, source]);
      if (file.rows[0] != null) {
        const removed = await client.query("DELETE FROM doc_documents WHERE collection_id = $1 AND file_id = $2", [this.id, file.rows[0].id]);
        await client.query("DELETE FROM doc_files WHERE collection_id = $1 AND id = $2", [this.id, file.rows[0].id]);
        return removed.rowCount ?? 0;
      }
      const removed = await client.query("DELETE FROM doc_documents WHERE collection_id = $1 AND source = $2", [this.id, source]);
      return removed.rowCount ?? 0;
    });
  }

  async deleteDocument(id: number): Promise<boolean> {
    const {rowCount} = await this.db.query("DELETE FROM doc_documents WHERE collection_id = $1 AND id = $2", [this.id, id]);
    return (rowCount ?? 0) > 0;
  }

  async chunk(rowId: number): Promise<ScoredChunk | undefined> {
    const {rows} = await this.db.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM doc_chunks c JOIN doc_documents d ON d.id = c.document_id WHERE c.collection_id = $1 AND c.id = $2`,
      [this.id, rowId]
    );
    return rows[0] == null ? undefined : toChunk(rows[0], 1);
  }

  async purge(): Promise<void> {
    await this.db.query("DELETE FROM doc_files WHERE collection_id = $1", [this.id]);
  }

  async documents(): Promise<DocumentSummary[]> {
    const {rows} = await this.db.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM doc_documents d JOIN doc_files f ON f.id = d.file_id WHERE d.collection_id = $1 ORDER BY d.source`,
      [this.id]
    );
    return rows.map(toDocument);
  }

  async document(id: number): Promise<(DocumentSummary & {metadata: Record<string, string | number> | null}) | undefined> {
    const {rows} = await this.db.query<DocumentRow & {metadata: Record<string, string | number> | null}>(
      `SELECT ${DOCUMENT_COLUMNS}, d.metadata FROM doc_documents d JOIN doc_files f ON f.id = d.file_id WHERE d.collection_id = $1 AND d.id = $2`,
      [this.id, id]
    );
    return rows[0] == null ? undefined : {...toDocument(rows[0]), metadata: rows[0].metadata};
  }

  async chunksOf(documentId: number): Promise<ScoredChunk[]> {
    const {rows} = await this.db.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM doc_chunks c JOIN doc_documents d ON d.id = c.document_id
       WHERE c.collection_id = $1 AND c.document_id = $2 ORDER BY c.chunk_index`,
      [this.id, documentId]
    );
    return rows.map((row) => toChunk(row, 1));
  }

  async chunksInOrder(options: {limit?: number; sources?: readonly string[]} = {}): Promise<ScoredChunk[]> {
    const {rows} = await this.db.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM doc_chunks c JOIN doc_documents d ON d.id = c.document_id
       WHERE c.collection_id = $1 AND ($2::text[] IS NULL OR d.source = ANY($2)) ORDER BY d.source, c.chunk_index LIMIT $3`,
      [this.id, options.sources ?? null, options.limit ?? null]
    );
    return rows.map((row) => toChunk(row, 1));
  }

  async stats(): Promise<CollectionStats> {
    const {rows} = await this.db.query<{files: string; documents: string; chunks: string; textChars: string}>(
      `SELECT (SELECT count(*) FROM doc_files WHERE collection_id = $1) AS files,
              (SELECT count(*) FROM doc_documents WHERE collection_id = $1) AS documents,
              (SELECT count(*) FROM doc_chunks WHERE collection_id = $1) AS chunks,
              (SELECT coalesce(sum(text_chars), 0) FROM doc_documents WHERE collection_id = $1) AS "textChars"`,
      [this.id]
    );
    const row = rows[0]!;
    return {files: Number(row.files), documents: Number(row.documents), chunks: Number(row.chunks), textChars: Number(row.textChars), embedding: this.embeddingIdentity};
  }

  async search(options: SearchOptions): Promise<ScoredChunk[]> {
    const topK = Math.max(0, Math.floor(options.topK));
    if (topK === 0) return [];
    if (options.queryVector != null) throw new EmbeddingMismatchError(`${this.path}: the collection has no vectors`);
    const query = orQuery(queryTerms(options.query));
    if (query === "") return [];
    const {rows} = await this.db.query<ChunkRow & {rank: number}>(
      `SELECT ${CHUNK_COLUMNS}, ts_rank(c.tsv, q, 32) AS rank
       FROM doc_chunks c JOIN doc_documents d ON d.id = c.document_id, websearch_to_tsquery('english', $2) q
       WHERE c.collection_id = $1 AND c.tsv @@ q AND ($3::text[] IS NULL OR d.source = ANY($3))
       ORDER BY rank DESC, c.id LIMIT $4`,
      [this.id, query, options.sources ?? null, topK]
    );
    return rows.map(({rank, ...row}) => toChunk(row, Math.min(1, Math.max(0, rank))));
  }

  chunksWithoutVectors(_batch: number): Iterable<{id: number; content: string}[]> {
    throw this.pgvectorMissing();
  }

  addVectors(_rows: readonly {id: number; vector: Float32Array}[]): void {
    throw this.pgvectorMissing();
  }

  /** The database is shared (the backend's), so there is nothing of this collection's own to close. */
  close(): void {}
}
