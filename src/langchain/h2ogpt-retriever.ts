import type {CallbackManagerForRetrieverRun} from "@langchain/core/callbacks/manager";
import {Document} from "@langchain/core/documents";
import {BaseRetriever, type BaseRetrieverInput} from "@langchain/core/retrievers";
import {
  DEFAULT_TOP_K_DOCS,
  openCollection,
  retrieve,
  USER_DATA,
  type CollectionManager,
  type DocumentCollection,
  type Embedder,
  type ScoredChunk
} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import {sourceFields, type CitedSource} from "../generate/index.js";

/** h2oGPT's source metadata on every retrieved Document (as the server's and the CLI's sources carry it). */
export type H2oGptDocumentMetadata = CitedSource;

export interface H2oGptRetrieverOptions extends BaseRetrieverInput {
  /** An open collection (it stays the caller's). */
  readonly collection?: DocumentCollection;
  /** A server's collections: `user`'s collection `langchainMode` (per-user collections; hybrid with the manager's embedder). */
  readonly manager?: CollectionManager;
  /** h2oGPT's persist_directory: opens `user`'s collection `langchainMode` there (closed by close()). */
  readonly persistDirectory?: string;
  /** Whose collections (with `manager` or `persistDirectory`); the CLI's user is `local` (the default). */
  readonly user?: string;
  /** h2oGPT's langchain_mode: the collection's name (default UserData). */
  readonly langchainMode?: string;
  /** h2oGPT's top_k_docs (default 10). */
  readonly topKDocs?: number;
  /** The collection's embedding model: BM25 and vector rankings fused (hybrid); without it, BM25 alone. */
  readonly embedder?: Embedder;
  /** h2oGPT's document_choice: only chunks of these sources. */
  readonly documentChoice?: readonly string[];
}

/**
 * A document collection (h2oGPT's langchain_mode) as a LangChain retriever: the best chunks for a question, as
 * Documents whose metadata is h2oGPT's source fields {source, page, chunk_id, score, ...}.
 *
 * @example
 * const retriever = new H2oGptRetriever({persistDirectory: "h2ogpt_db", langchainMode: "UserData", topKDocs: 4});
 * const docs = await retriever.invoke("How many vacation days carry over?");
 * // [Document {pageContent: "...", metadata: {source: "/docs/handbook.pdf", page: 4, chunk_id: 12, score: 0.62, ...}}]
 */
export class H2oGptRetriever extends BaseRetriever<H2oGptDocumentMetadata> {
  static override lc_name(): string {
    return "H2oGptRetriever";
  }

  override lc_namespace = ["h2ogpt-ts", "retrievers"];

  private readonly options: H2oGptRetrieverOptions;
  private opened: DocumentCollection | undefined;

  constructor(options: H2oGptRetrieverOptions) {
    const {collection, manager, persistDirectory, user, langchainMode, topKDocs, embedder, documentChoice, ...rest} = options;
    super(rest);
    if (collection == null && manager == null && persistDirectory == null)
      throw new UsageError("H2oGptRetriever needs a collection, a CollectionManager (manager) or a persistDirectory");
    this.options = {collection, manager, persistDirectory, user, langchainMode, topKDocs, embedder, documentChoice};
  }

  private get collectionName(): string {
    return this.options.langchainMode ?? USER_DATA;
  }

  private get user(): string {
    return this.options.user ?? "local";
  }

  /** The best chunks, best first, with every field the collection stores. */
  async search(query: string, signal?: AbortSignal): Promise<ScoredChunk[]> {
    const {manager, embedder, documentChoice: sources} = this.options;
    const topK = this.options.topKDocs ?? DEFAULT_TOP_K_DOCS;
    if (this.options.collection == null && manager != null) return manager.retrieve({user: this.user, name: this.collectionName, query, topK, sources, signal});
    const collection = this.options.collection ?? (this.opened ??= openCollection({persistDirectory: this.options.persistDirectory!, user: this.user}, this.collectionName));
    return retrieve({collection, query, topK, embedder, sources, signal});
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document<H2oGptDocumentMetadata>[]> {
    const hits = await this.search(query);
    return hits.map((hit) => {
      const {content, ...metadata} = sourceFields(hit);
      return new Document({pageContent: content, metadata, id: String(hit.chunkRowId)});
    });
  }

  /** Closes a collection this retriever opened from persistDirectory. */
  async close(): Promise<void> {
    this.opened?.close();
    this.opened = undefined;
  }
}
