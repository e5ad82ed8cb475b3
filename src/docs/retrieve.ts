import type {CollectionIndex} from "./collection-index.js";
import type {ScoredChunk} from "./document-collection.js";
import {EmbeddingMismatchError} from "./docs-errors.js";
import type {Embedder} from "./embedder.js";

/** h2oGPT's top_k_docs default. */
export const DEFAULT_TOP_K_DOCS = 10;

export interface RetrieveOptions {
  readonly collection: CollectionIndex;
  readonly query: string;
  /** h2oGPT's top_k_docs (default 10). */
  readonly topK?: number;
  /** The collection's embedding model, for hybrid (BM25 + vector) ranking; without it, BM25 alone. */
  readonly embedder?: Embedder;
  /** Only chunks of these sources (h2oGPT's document_choice). */
  readonly sources?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * The chunks that best answer a question, best first, each with its source, page, chunk id and a score in [0, 1].
 * BM25 over the full-text index needs no model; with the collection's embedding model the BM25 and vector rankings
 * are fused (reciprocal rank fusion). A collection embedded with another model is an EmbeddingMismatchError.
 *
 * @example
 * const sources = await retrieve({collection, query: "How many vacation days carry over?", topK: 3});
 * // [{source: "/docs/handbook.pdf", page: 4, chunkId: 12, score: 0.62, content: "..."}, ...]
 */
export async function retrieve(options: RetrieveOptions): Promise<ScoredChunk[]> {
  const {collection, embedder} = options;
  const topK = options.topK ?? DEFAULT_TOP_K_DOCS;
  if (embedder == null) return collection.search({query: options.query, topK, sources: options.sources});
  const stored = collection.embedding;
  if (stored == null)
    throw new EmbeddingMismatchError(
      `the collection has no vectors; add them with: h2ogpt ingest --langchain_mode=<collection> --embedding_model=${embedder.identity.name} --reembed`
    );
  await collection.useEmbedding(embedder.identity, `h2ogpt ingest --langchain_mode=<collection> --embedding_model=${embedder.identity.name} --reembed`);
  const [queryVector] = await embedder.embed([options.query], options.signal);
  return collection.search({query: options.query, topK, sources: options.sources, queryVector});
}
