import {availableParallelism} from "node:os";
import type {LlamaModel, LlamaRankingContext, Token} from "node-llama-cpp";
import {llamaRuntime} from "../engine/index.js";
import {truncatedLengths} from "../tokenizer/index.js";
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
 * A GGUF reranker through node-llama-cpp's ranking context (llama.cpp's rank pooling; the model's rerank template,
 * or `BOS q EOS SEP a EOS` from its special tokens). node-llama-cpp returns sigmoid(logit); `logits` turns it back
 * into the logit so every backend means the same thing.
 *
 * A pair too long for the context is truncated as h2oGPT's tokenizer call does (`longest_first`, keeping the start
 * of each text) and scored once; node-llama-cpp's own overflow handling would instead score the answer in chunks
 * and keep the best, and would fail on a long question.
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
      // Flash attention on the CPU rounds Q, K and V to F16 (a logit moved by 4e-4 in our test); one short
      // sequence through an encoder does not need its speed, and the engine keeps it off too.
      model = await llama.loadModel({modelPath: options.path, gpuLayers: 0, defaultContextFlashAttention: false});
    } catch (error) {
      throw new ScoreModelPathError(options.path, `llama.cpp cannot load it (${(error as Error).message})`);
    }
    try {
      // node-llama-cpp's default of 6 threads spins on a smaller machine; one per CPU.
      context = await model.createRankingContext({threads: options.threads ?? availableParallelism()});
    } catch (error) {
      await model.dispose();
      throw new ScoreModelPathError(options.path, `not usable as a reranker (${(error as Error).message})`);
    }
    // node-llama-cpp refuses an input as long as the context.
    return new RankScoreModel(options.name ?? options.path, context.contextSize - 1, model, context);
  }

  async logits(pairs: readonly ScorePair[]): Promise<number[]> {
    const out: number[] = [];
    for (const pair of pairs) {
      let probability: number;
      try {
        const [query, document] = this.truncatedPair(pair);
        probability = await this.context.rank(query, document);
      } catch (error) {
        throw new ScoreModelRunError(this.name, 1, (error as Error).message, {cause: error});
      }
      const p = Math.min(1 - EPSILON, Math.max(EPSILON, probability));
      out.push(Math.log(p / (1 - p)));
    }
    return out;
  }

  /** The pair's tokens, cut so that with the template's tokens they fit in `maxLength`. */
  private truncatedPair(pair: ScorePair): [Token[], Token[]] {
    const query = this.model.tokenize(pair.question, false, "trimLeadingSpace");
    const document = this.model.tokenize(pair.answer, false, "trimLeadingSpace");
    const added = this.context.calculateInputLength(query, document) - query.length - document.length;
    const [keepQuery, keepDocument] = truncatedLengths(query.length, document.length, Math.max(0, this.maxLength - added));
    return [query.slice(0, keepQuery), document.slice(0, keepDocument)];
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
