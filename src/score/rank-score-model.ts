import type {LlamaModel, LlamaRankingContext} from "node-llama-cpp";
import {llamaRuntime} from "../engine/index.js";
import {ScoreModelPathError, ScoreModelRunError} from "./score-errors.js";
import type {ScorePair, ScoreModel} from "./score-types.js";

export interface RankScoreModelOptions {
  /** A GGUF reranker (llama.cpp pooling type `rank`, such as bge-reranker). */
  readonly path: string;
  readonly threads?: number;
  readonly name?: string;
}

/** Keeps the logit finite when llama.cpp reports a probability of exactly 0 or 1. */
const EPSILON = 1e-12;

/**
 * A GGUF reranker through node-llama-cpp's ranking context (llama.cpp's rank pooling, the model's own
 * query/document template). node-llama-cpp returns sigmoid(logit); `logits` turns it back into the logit so
 * every backend means the same thing.
 */
export class RankScoreModel implements ScoreModel {
  private constructor(
    readonly name: string,
    readonly maxLength: number,
    private readonly model: LlamaModel,
    private readonly context: LlamaRankingContext
  ) {}

  /** @example const model = await RankScoreModel.load({path: "bge-reranker-v2-m3-Q8_0.gguf"}); */
  static async load(options: RankScoreModelOptions): Promise<RankScoreModel> {
    const llama = await llamaRuntime();
    let model: LlamaModel;
    let context: LlamaRankingContext;
    try {
      model = await llama.loadModel({modelPath: options.path, gpuLayers: 0});
    } catch (error) {
      throw new ScoreModelPathError(options.path, `llama.cpp cannot load it (${(error as Error).message})`);
    }
    try {
      context = await model.createRankingContext({threads: options.threads});
    } catch (error) {
      await model.dispose();
      throw new ScoreModelPathError(options.path, `not usable as a reranker (${(error as Error).message})`);
    }
    return new RankScoreModel(options.name ?? options.path, model.trainContextSize, model, context);
  }

  async logits(pairs: readonly ScorePair[]): Promise<number[]> {
    const out: number[] = [];
    for (const pair of pairs) {
      let probability: number;
      try {
        probability = await this.context.rank(pair.question, pair.answer, {onOverflow: {type: "maxChunk"}});
      } catch (error) {
        throw new ScoreModelRunError(this.name, 1, (error as Error).message, {cause: error});
      }
      const p = Math.min(1 - EPSILON, Math.max(EPSILON, probability));
      out.push(Math.log(p / (1 - p)));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
