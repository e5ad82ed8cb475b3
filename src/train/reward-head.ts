import {join} from "node:path";
import {NotSupportedError} from "../errors/index.js";
import {POOLING_TYPE, poolingTypeKey, REWARD_BIAS_KEY, REWARD_HEAD_KEY, REWARD_MAX_LENGTH_KEY, type GgufValue} from "../gguf/index.js";
import {writeLlamaModelGguf} from "./export-gguf.js";
import {MODEL_FILE, type Settings} from "./finetune-options.js";
import type {LoadedModel} from "./gguf-model.js";
import {loraScale, mergeLora} from "./lora.js";
import {isGptNeox} from "./model-config.js";
import type {MicroBatch} from "./model-backend.js";
import type {Random} from "./random.js";
import {REWARD_HEAD_TENSOR, toRewardBatch, type RewardPooling, type RewardRow} from "./reward-batch.js";
import type {TrainableSetup} from "./trainable-setup.js";

/** Hugging Face's initializer_range for a new classification head. */
const HEAD_INIT_STD = 0.02;

/** Adds the trainable reward head (a [hidden] vector, HF-style normal init) to a LoRA or full setup, in place. */
export function addRewardHead(setup: TrainableSetup, hidden: number, random: Random): TrainableSetup {
  const head = new Float32Array(hidden);
  for (let i = 0; i < hidden; i++) head[i] = HEAD_INIT_STD * random.normal();
  setup.trainable.set(REWARD_HEAD_TENSOR, head);
  setup.shapes.set(REWARD_HEAD_TENSOR, [hidden]);
  return setup;
}

export interface PairRewardsOptions {
  readonly rewards: (batch: MicroBatch) => Promise<Float32Array>;
  readonly rows: readonly RewardRow[];
  readonly microBatchSize: number;
  readonly multipleOf: number;
  readonly pooling?: RewardPooling;
}

/** [chosen, rejected] rewards of each pair, in order. */
export async function pairRewards(options: PairRewardsOptions): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for (let i = 0; i < options.rows.length; i += options.microBatchSize) {
    const chunk = options.rows.slice(i, i + options.microBatchSize);
    const rewards = await options.rewards(toRewardBatch(chunk, {multipleOf: options.multipleOf, batchSize: options.microBatchSize, pooling: options.pooling}));
    for (let k = 0; k < chunk.length; k++) out.push([rewards[2 * k]!, rewards[2 * k + 1]!]);
  }
  return out;
}

/**
 * The bias that centres the scores: minus the mean reward of the chosen and rejected answers of the first 256
 * pairs, so sigmoid(reward + bias) reads 50% halfway between a typical right and wrong answer. The Bradley-Terry
 * loss only sees reward differences, so training leaves the offset arbitrary.
 */
export async function rewardBias(options: PairRewardsOptions): Promise<number> {
  const pairs = await pairRewards({...options, rows: options.rows.slice(0, 256)});
  if (pairs.length === 0) return 0;
  return -pairs.reduce((sum, [chosen, rejected]) => sum + chosen + rejected, 0) / (2 * pairs.length);
}

/** The share of pairs whose chosen answer gets the higher reward. */
export async function rewardAccuracy(options: PairRewardsOptions): Promise<number> {
  const pairs = await pairRewards(options);
  return pairs.filter(([chosen, rejected]) => chosen > rejected).length / Math.max(1, pairs.length);
}

/**
 * model.gguf of a reward run: the llama weights (LoRA adapters merged in) and, in metadata, the head, its bias and
 * the most tokens a scored sequence keeps, and for mean pooling llama.cpp's `llama.pooling_type`, so an embedding
 * context pools as training did. llama.cpp loads it as an ordinary model; `h2ogpt score` reads the head.
 */
export async function exportRewardModel(options: {
  readonly setup: TrainableSetup;
  readonly base: LoadedModel;
  readonly outputDir: string;
  readonly settings: Settings;
  readonly bias: number;
  readonly maxLength: number;
  readonly pooling?: RewardPooling;
  readonly name?: string;
  readonly promptType?: string;
}): Promise<{modelPath: string}> {
  const {setup, base} = options;
  const config = base.config;
  if (isGptNeox(config)) throw new NotSupportedError("reward models: only llama base models are supported");
  const head = setup.trainable.get(REWARD_HEAD_TENSOR)!;
  const tensors =
    setup.mode === "full"
      ? setup.trainable
      : mergeLora({base: base.tensors, adapters: setup.trainable, shapes: setup.shapes, targets: setup.lora!.targets, rank: setup.lora!.rank, scale: loraScale(setup.lora!)});
  const metadata: Record<string, GgufValue> = {
    ...base.metadata,
    [REWARD_HEAD_KEY]: {type: "array", value: {itemType: "f32", items: Array.from(head)}},
    [REWARD_BIAS_KEY]: {type: "f32", value: options.bias},
    [REWARD_MAX_LENGTH_KEY]: {type: "u32", value: options.maxLength}
  };
  // A base that was itself a mean-pooled reward model must not pass its pooling on to a last-token one.
  const poolingKey = poolingTypeKey("llama");
  if (options.pooling === "mean") metadata[poolingKey] = {type: "u32", value: POOLING_TYPE.mean};
  else delete metadata[poolingKey];
  const modelPath = join(options.outputDir, MODEL_FILE);
  await writeLlamaModelGguf({path: modelPath, config, metadata, tensors, type: options.settings.outputType, name: options.name, promptType: options.promptType});
  return {modelPath};
}
