import {Embeddings, type EmbeddingsParams} from "@langchain/core/embeddings";
import {createEmbedder, type Embedder} from "../docs/index.js";
import {createEngine, type Engine} from "../engine/index.js";
import {NotSupportedError} from "../errors/index.js";

export interface H2oGptEmbeddingsOptions extends EmbeddingsParams {
  /** An engine that gives embeddings (`engine.info.embeddings`); it stays the caller's. */
  readonly engine?: Engine;
  /** The document stage's embedder (the one a collection was ingested with); it stays the caller's. */
  readonly embedder?: Embedder;
  /** h2oGPT's hf_embedding_model as a GGUF path: loaded on first use, closed by close(). */
  readonly embeddingModel?: string;
  /** llama.cpp threads for a model loaded here. */
  readonly threads?: number;
  /** Texts per engine call (default 32). */
  readonly batchSize?: number;
}

type Embed = (texts: readonly string[], signal?: AbortSignal) => Promise<ArrayLike<number>[]>;

/**
 * h2ogpt-ts embeddings as LangChain Embeddings: an engine's (llama.cpp), the document stage's embedder, or a GGUF
 * embedding model loaded here. With none of them, the built-in model's embeddings (for trying things out; a real
 * embedding model ranks far better).
 *
 * @example
 * const embeddings = new H2oGptEmbeddings({embeddingModel: "bge-small-en-v1.5-f16.gguf"});
 * const vectors = await embeddings.embedDocuments(["h2oGPT answers questions about documents."]);
 */
export class H2oGptEmbeddings extends Embeddings {
  private readonly options: H2oGptEmbeddingsOptions;
  private loading: Promise<{embed: Embed; close(): Promise<void>}> | undefined;

  constructor(options: H2oGptEmbeddingsOptions = {}) {
    const {engine, embedder, embeddingModel, threads, batchSize, ...rest} = options;
    super(rest);
    this.options = {engine, embedder, embeddingModel, threads, batchSize};
  }

  private source(): Promise<{embed: Embed; close(): Promise<void>}> {
    this.loading ??= this.load();
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<{embed: Embed; close(): Promise<void>}> {
    const {engine, embedder, embeddingModel, threads} = this.options;
    if (embedder != null) return {embed: (texts, signal) => embedder.embed(texts, signal), close: async () => {}};
    if (engine != null) return {embed: engineEmbed(engine), close: async () => {}};
    if (embeddingModel != null) {
      const owned = await createEmbedder({modelPath: embeddingModel, threads});
      return {embed: (texts, signal) => owned.embed(texts, signal), close: () => owned.close()};
    }
    const builtIn = await createEngine({threads});
    try {
      return {embed: engineEmbed(builtIn), close: () => builtIn.close()};
    } catch (error) {
      await builtIn.close();
      throw error;
    }
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    const {embed} = await this.source();
    const size = Math.max(1, this.options.batchSize ?? 32);
    const vectors: number[][] = [];
    for (let start = 0; start < documents.length; start += size)
      for (const vector of await embed(documents.slice(start, start + size))) vectors.push(Array.from(vector));
    return vectors;
  }

  async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.embedDocuments([document]);
    return vector!;
  }

  /** Frees a model loaded here; an engine or embedder given to the constructor stays open. */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    await (await loading?.catch(() => undefined))?.close();
  }
}

function engineEmbed(engine: Engine): Embed {
  if (engine.embed == null || !engine.info.embeddings)
    throw new NotSupportedError(`${engine.info.name} (${engine.info.kind}) gives no embeddings; use a llama.cpp model or an embeddingModel`);
  const embed = engine.embed.bind(engine);
  return async (texts, signal) => (await embed(texts, signal)).vectors;
}
