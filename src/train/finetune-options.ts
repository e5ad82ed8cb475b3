import {UsageError} from "../errors/index.js";
import {DEFAULT_LORA_TARGET_MODULES, loraModuleNames} from "./lora.js";
import {LR_SCHEDULES} from "./lr-schedule.js";
import type {TrainRow} from "./micro-batch.js";
import type {RewardPooling} from "./reward-batch.js";
import {checkTrainBackend, type TrainBackendName} from "./train-backend.js";

/** A row as `prepare` yields it; `split: "valid"` rows are used for evaluation only. */
export type FinetuneRow = TrainRow & {readonly split?: "train" | "valid"};

export interface FinetuneOptions {
  /** A llama GGUF (F32/F16) or a checkpoint folder of an earlier run; taken from the checkpoint when resuming. */
  readonly baseModel?: string;
  /** Prepared rows (`prepare(...)`'s output or any {inputIds, labels}), or use `dataPath`. */
  readonly rows?: Iterable<FinetuneRow> | AsyncIterable<FinetuneRow>;
  /** A folder written by `h2ogpt prepare` (train + valid files) or one tokenized .jsonl / .parquet file. */
  readonly dataPath?: string;
  readonly outputDir: string;
  /** Train every weight instead of LoRA adapters. */
  readonly full?: boolean;
  readonly loraR?: number;
  readonly loraAlpha?: number;
  readonly loraDropout?: number;
  readonly loraTargetModules?: readonly string[];
  /**
   * A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) whose A and B the LoRA run starts from
   * (h2oGPT's lora_weights); its r, alpha, dropout and target modules apply unless given (r, alpha and targets must agree).
   */
  readonly loraWeights?: string;
  readonly microBatchSize?: number;
  /** Rows per optimizer step; gradients accumulate over batchSize / microBatchSize micro-batches. */
  readonly batchSize?: number;
  /** Put rows of similar length in the same micro-batch (Hugging Face's group_by_length) to pad less. */
  readonly groupByLength?: boolean;
  /** Micro-batch lengths are padded to a multiple of this (8 as h2oGPT's collator); larger means fewer compiled shapes. */
  readonly padToMultipleOf?: number;
  readonly numEpochs?: number;
  readonly learningRate?: number;
  readonly warmupSteps?: number;
  readonly weightDecay?: number;
  /** cosine (default), linear or constant after warmup. */
  readonly lrSchedulerType?: string;
  /** Gradient clipping by global norm; 0 disables. */
  readonly maxGradNorm?: number;
  /** Evaluate every N steps when there are validation rows; default: about 20 evaluations per run (h2oGPT). */
  readonly evalSteps?: number;
  /** Save a checkpoint every N steps; one is always saved at the end and on interruption. */
  readonly saveSteps?: number;
  /** Checkpoints kept (the newest); default 3 as h2oGPT. */
  readonly saveTotalLimit?: number;
  /** A checkpoint folder, or true for the newest in `outputDir`. */
  readonly resumeFromCheckpoint?: string | boolean;
  readonly seed?: number;
  /** Also write the base model with the adapters merged in (LoRA). */
  readonly merge?: boolean;
  /** Weight type of written models (model.gguf); adapters are always F32. */
  readonly outputType?: "F32" | "F16";
  /** Name stored in written models' general.name. */
  readonly modelName?: string;
  /** The prompt type the rows were rendered with, stored in written adapters and models (gguf's PROMPT_TYPE_KEY). */
  readonly promptType?: string;
  /**
   * How the caller made the rows (the CLI's data flags), kept in checkpoints and training_args.json so a resumed
   * run can make the same rows (see readCheckpointState).
   */
  readonly dataSettings?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Train a reward model instead (`h2ogpt finetune --reward`): `rows` are preference pairs (RewardRow, from
   * readRewardPairs), the loss is Bradley-Terry, and model.gguf carries the head; `maxLength` is the most tokens a
   * pair's sequences kept (recorded for scoring), `pooling` the hidden state the head reads (default "last").
   */
  readonly reward?: {readonly maxLength: number; readonly pooling?: RewardPooling};
  /** Kernel threads (default: the CPU count). */
  readonly threads?: number;
  /** Compile steps with jax-js's jit (default on; eager mode is for debugging). */
  readonly jit?: boolean;
  /** The tensor runtime: onnxruntime (the default) or jax; see chooseTrainBackend. */
  readonly trainBackend?: TrainBackendName;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FinetuneProgress) => void;
  /** One-line notices: checkpoints saved, evaluation results, warnings. */
  readonly onMessage?: (line: string) => void;
}

export interface FinetuneProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly tokensPerSecond: number;
  readonly elapsedSeconds: number;
}

export interface FinetuneResult {
  readonly outputDir: string;
  readonly mode: "full" | "lora";
  readonly steps: number;
  readonly trainLoss: number;
  readonly evalLoss?: number;
  readonly adapterPath?: string;
  readonly modelPath?: string;
  /** Reward runs: the bias written with the head (see rewardBias) and, with validation pairs, how often the chosen answer won. */
  readonly rewardBias?: number;
  readonly evalAccuracy?: number;
  readonly checkpointPath: string;
  readonly metricsPath: string;
  readonly chartPath: string;
  readonly tokensPerSecond: number;
  /** The tensor runtime that ran (see chooseTrainBackend). */
  readonly trainBackend: TrainBackendName;
}

export const FINETUNE_DEFAULTS = {
  loraR: 8,
  loraAlpha: 16,
  loraDropout: 0.05,
  microBatchSize: 4,
  batchSize: 128,
  numEpochs: 1,
  learningRate: 3e-4,
  warmupSteps: 100,
  weightDecay: 0,
  lrSchedulerType: "cosine",
  groupByLength: false,
  padToMultipleOf: 8,
  maxGradNorm: 1,
  saveTotalLimit: 3,
  seed: 42,
  outputType: "F32"
} as const;

export const ADAPTER_FILE = "adapter.gguf";
export const MODEL_FILE = "model.gguf";
export const METRICS_FILE = "metrics.jsonl";
export const CHART_FILE = "loss.svg";

export type Settings = Required<Omit<FinetuneOptions, "baseModel" | "rows" | "dataPath" | "resumeFromCheckpoint" | "signal" | "onProgress" | "onMessage" | "evalSteps" | "saveSteps" | "modelName" | "threads" | "jit" | "trainBackend" | "loraTargetModules" | "loraWeights" | "promptType" | "dataSettings" | "reward">> & {
  readonly loraTargetModules: readonly string[];
};

export function withDefaults(options: FinetuneOptions): Settings {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as FinetuneOptions;
  return {full: false, merge: false, loraTargetModules: DEFAULT_LORA_TARGET_MODULES, ...FINETUNE_DEFAULTS, ...given} as Settings;
}

export function checkSettings(s: Settings): void {
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name}: expected a positive integer, got ${value}`);
  };
  positiveInt("micro_batch_size", s.microBatchSize);
  positiveInt("batch_size", s.batchSize);
  positiveInt("lora_r", s.loraR);
  positiveInt("pad_to_multiple_of", s.padToMultipleOf);
  if (!(s.numEpochs > 0)) throw new UsageError(`--num_epochs: expected a positive number, got ${s.numEpochs}`);
  if (!(s.learningRate > 0)) throw new UsageError(`--learning_rate: expected a positive number, got ${s.learningRate}`);
  if (!(s.loraDropout >= 0 && s.loraDropout < 1)) throw new UsageError(`--lora_dropout: expected a number in [0, 1), got ${s.loraDropout}`);
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0) throw new UsageError(`--warmup_steps: expected 0 or more, got ${s.warmupSteps}`);
  if (!(s.weightDecay >= 0)) throw new UsageError(`--weight_decay: expected 0 or more, got ${s.weightDecay}`);
  if (!(s.maxGradNorm >= 0)) throw new UsageError(`--max_grad_norm: expected 0 or more, got ${s.maxGradNorm}`);
  if (LR_SCHEDULES[s.lrSchedulerType] == null)
    throw new UsageError(`--lr_scheduler_type: expected ${Object.keys(LR_SCHEDULES).join(", ")}, got '${s.lrSchedulerType}'`);
  if (s.outputType !== "F32" && s.outputType !== "F16") throw new UsageError(`--output_type: expected F32 or F16, got '${s.outputType}'`);
  if (!s.full) loraModuleNames(s.loraTargetModules);
}

/** Refuses bad settings before any data or model is read (finetune checks them again itself). */
export function checkFinetuneOptions(options: Omit<FinetuneOptions, "outputDir">): void {
  checkSettings(withDefaults({...options, outputDir: ""}));
  checkTrainBackend(options.trainBackend);
}

/** Settings in a checkpoint's fingerprint (snake_case, as in training_args.json) and their option names. */
export const FINGERPRINT_OPTIONS = {
  micro_batch_size: "microBatchSize",
  batch_size: "batchSize",
  num_epochs: "numEpochs",
  learning_rate: "learningRate",
  warmup_steps: "warmupSteps",
  weight_decay: "weightDecay",
  lr_scheduler_type: "lrSchedulerType",
  max_grad_norm: "maxGradNorm",
  group_by_length: "groupByLength",
  seed: "seed"
} as const satisfies Record<string, keyof Settings>;

/**
 * The settings a resumed run must share with the checkpoint, or the data order and schedule would differ;
 * `warmupSteps` is the run's effective warmup (see warmupFor).
 */
export function fingerprint(s: Settings, rows: number): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {rows};
  for (const [key, option] of Object.entries(FINGERPRINT_OPTIONS)) out[key] = s[option];
  return out;
}

/** Each setting that differs between a checkpoint's fingerprint and this run's: "--name: X in the checkpoint, Y now". */
export function fingerprintDifferences(saved: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(now)) {
    if (!(key in saved) || saved[key] === value) continue;
    if (key === "rows") out.push(`the data give ${String(value)} training rows, the checkpoint's run had ${String(saved[key])}`);
    else out.push(`--${key}: ${String(saved[key])} in the checkpoint, ${String(value)} now`);
  }
  return out;
}
