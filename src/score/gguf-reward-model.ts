import {availableParallelism} from "node:os";
import type {LlamaEmbeddingContext, LlamaModel, Token} from "node-llama-cpp";
import {llamaRuntime} from "../engine/index.js";
import {ggufMetadataValue, POOLING_TYPE, poolingTypeKey, PROMPT_TYPE_KEY, readGguf, REWARD_BIAS_KEY, REWARD_HEAD_KEY, REWARD_MAX_LENGTH_KEY} from "../gguf/index.js";
import {renderTrainingString} from "../prompts/index.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {ScoreModelPathError, ScoreModelRunError} from "./score-errors.js";
import type {ScoreModel, ScorePair} from "./score-types.js";

export interface GgufRewardModelOptions {
  /** A GGUF written by `h2ogpt finetune --reward` (llama weights + REWARD_HEAD_KEY in metadata). */
  readonly path: string;
  readonly threads?: number;
  /** Shown to users (default: the path). */
  readonly name?: string;
}

/**
 * The sequence a pair is scored on, exactly as `h2ogpt finetune --reward` trained it (src/train/reward-data.ts
 * rewardSequence): prompt + answer in the model's prompt type, EOS appended, its last `maxLength` tokens kept
 * with a leading BOS. A model test checks our scores equal the trainer's forward pass.
 */
function rewardTokens(tokenizer: Tokenizer, promptType: string, pair: ScorePair, maxLength: number): number[] {
  const {text} = renderTrainingString({promptType, record: {instruction: pair.question, output: pair.answer}});
  const ids = tokenizer.encode(text);
  if (tokenizer.eosTokenId != null && ids.at(-1) !== tokenizer.eosTokenId) ids.push(tokenizer.eosTokenId);
  if (ids.length <= maxLength) return ids;
  const bos = tokenizer.bosTokenId != null && ids[0] === tokenizer.bosTokenId ? [ids[0]] : [];
  return [...bos, ...ids.slice(ids.length - (maxLength - bos.length))];
}

class GgufRewardModel implements ScoreModel {
  constructor(
    readonly name: string,
    readonly maxLength: number,
    private readonly promptType: string,
    private readonly head: Float64Array,
    private readonly bias: number,
    private readonly tokenizer: Tokenizer,
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext
  ) {}

  async logits(pairs: readonly ScorePair[]): Promise<number[]> {
    const out: number[] = [];
    for (const pair of pairs) {
      const ids = rewardTokens(this.tokenizer, this.promptType, pair, this.maxLength);
      let vector: readonly number[];
      try {
        vector = (await this.context.getEmbeddingFor(ids as Token[])).vector;
      } catch (error) {
        throw new ScoreModelRunError(this.name, pairs.length, (error as Error).message, {cause: error});
      }
      if (vector.length !== this.head.length)
        throw new ScoreModelRunError(this.name, pairs.length, `llama.cpp gave ${vector.length} hidden values, the head has ${this.head.length}`);
      let reward = this.bias;
      for (let i = 0; i < vector.length; i++) reward += vector[i]! * this.head[i]!;
      out.push(reward);
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    this.tokenizer.dispose();
  }
}

/** The llama.cpp poolings a reward head can be trained on: the last token's state (none or last) and the mean. */
const REWARD_POOLING_TYPES = new Set<number>([POOLING_TYPE.none, POOLING_TYPE.mean, POOLING_TYPE.last]);

/**
 * A reward model trained by `h2ogpt finetune --reward`: llama.cpp runs the model with an embedding context, which
 * gives the final-norm hidden state (llama.cpp's `result_norm`) of the last token, or with `--reward_pooling=mean`
 * (`llama.pooling_type` 1 in the GGUF) the mean over every token, and the head from the GGUF's metadata turns it
 * into the logit: reward = head . h + bias.
 *
 * @example
 * const model = await loadGgufRewardModel({path: "models/h2ogpt-ts-reward.gguf"});
 * const [logit] = await model.logits([{question: "What is LoRA?", answer: "A low-rank adapter."}]);
 */
export async function loadGgufRewardModel(options: GgufRewardModelOptions): Promise<ScoreModel> {
  const file = await readGguf(options.path);
  const head = ggufMetadataValue(file, REWARD_HEAD_KEY);
  if (!Array.isArray(head) || !head.every((v) => typeof v === "number"))
    throw new ScoreModelPathError(options.path, `no reward head (${REWARD_HEAD_KEY}); train one with h2ogpt finetune --reward`);
  const bias = ggufMetadataValue(file, REWARD_BIAS_KEY);
  const contextLength = ggufMetadataValue(file, `${String(ggufMetadataValue(file, "general.architecture"))}.context_length`);
  const storedMax = ggufMetadataValue(file, REWARD_MAX_LENGTH_KEY);
  const maxLength = typeof storedMax === "number" ? storedMax : typeof contextLength === "number" ? contextLength : 512;
  const promptType = ggufMetadataValue(file, PROMPT_TYPE_KEY);
  const poolingKey = poolingTypeKey("llama");
  const pooling = ggufMetadataValue(file, poolingKey) ?? POOLING_TYPE.none;
  if (typeof pooling !== "number" || !REWARD_POOLING_TYPES.has(pooling))
    throw new ScoreModelPathError(options.path, `${poolingKey} ${String(pooling)}: a reward model pools the last token (0 or 3) or the mean (1)`);
  const tokenizer = await loadTokenizer(options.path);
  const llama = await llamaRuntime();
  let model: LlamaModel;
  try {
    model = await llama.loadModel({modelPath: options.path, gpuLayers: 0});
  } catch (error) {
    tokenizer.dispose();
    throw new ScoreModelPathError(options.path, `llama.cpp cannot load it (${(error as Error).message})`);
  }
  // getEmbeddingFor needs the input strictly shorter than the context.
  // node-llama-cpp's default of 6 threads spins on a smaller machine; one per CPU.
  const context = await model.createEmbeddingContext({contextSize: maxLength + 1, threads: options.threads ?? availableParallelism()});
  return new GgufRewardModel(
    options.name ?? options.path,
    maxLength,
    typeof promptType === "string" ? promptType : "plain",
    Float64Array.from(head as number[]),
    typeof bias === "number" ? bias : 0,
    tokenizer,
    model,
    context
  );
}
