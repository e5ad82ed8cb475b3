import {mkdir, readdir} from "node:fs/promises";
import {join, resolve} from "node:path";
import {H2oGptError, UsageError} from "../errors/index.js";
import {writeFileAtomic} from "../util/index.js";
import {adamwStep, ADAMW_DEFAULTS, createAdamWState, type AdamWState} from "./adamw.js";
import {listCheckpoints, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type Checkpoint, type TrainerState} from "./checkpoint.js";
import {clipGradNorm} from "./clip-grad-norm.js";
import {writeLlamaModelGguf, writeLoraAdapterGguf} from "./export-gguf.js";
import {JaxLlamaBackend} from "./jax/jax-llama-backend.js";
import {loadJax} from "./jax/load-jax.js";
import {loadBaseModel, type BaseModel} from "./load-base-model.js";
import {lossChartSvg} from "./loss-chart.js";
import {DEFAULT_LORA_TARGET_MODULES, loraScale, mergeLora} from "./lora.js";
import {learningRateAt, LR_SCHEDULES} from "./lr-schedule.js";
import {appendMetrics, readMetrics, truncateMetrics, type MetricsRecord} from "./metrics.js";
import {toMicroBatch, trainedTokens, type TrainRow} from "./micro-batch.js";
import type {ModelBackend} from "./model-backend.js";
import {readPreparedData, type TrainingData} from "./prepared-rows.js";
import {Random} from "./random.js";
import {decaysWeight, setupTrainable, type TrainableSetup} from "./trainable-setup.js";
import {TrainingDivergedError} from "./train-errors.js";
import {epochAt, epochOrder, groupedEpochOrder, stepMicroBatches, trainingPlan} from "./training-plan.js";

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
  /** Kernel threads (default: the CPU count). */
  readonly threads?: number;
  /** Compile steps with jax-js's jit (default on; eager mode is for debugging). */
  readonly jit?: boolean;
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
  readonly checkpointPath: string;
  readonly metricsPath: string;
  readonly chartPath: string;
  readonly tokensPerSecond: number;
}

/** Ctrl-C (or the signal) stopped training; the last completed step is saved as a checkpoint. Exit code 130. */
export class FinetuneInterruptedError extends H2oGptError {
  override readonly exitCode: number = 130;

  constructor(readonly checkpointPath: string) {
    super(`interrupted: saved ${checkpointPath}; continue with --resume_from_checkpoint=${checkpointPath}`);
  }
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

type Settings = Required<Omit<FinetuneOptions, "baseModel" | "rows" | "dataPath" | "resumeFromCheckpoint" | "signal" | "onProgress" | "onMessage" | "evalSteps" | "saveSteps" | "modelName" | "threads" | "jit" | "loraTargetModules">> & {
  readonly loraTargetModules: readonly string[];
};

function withDefaults(options: FinetuneOptions): Settings {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as FinetuneOptions;
  return {full: false, merge: false, loraTargetModules: DEFAULT_LORA_TARGET_MODULES, ...FINETUNE_DEFAULTS, ...given} as Settings;
}

function checkSettings(s: Settings): void {
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
}

/** The settings a resumed run must share with the checkpoint, or the data order and schedule would differ. */
function fingerprint(s: Settings, rows: number): Record<string, number | string | boolean> {
  return {
    rows,
    micro_batch_size: s.microBatchSize,
    batch_size: s.batchSize,
    num_epochs: s.numEpochs,
    learning_rate: s.learningRate,
    warmup_steps: s.warmupSteps,
    weight_decay: s.weightDecay,
    lr_scheduler_type: s.lrSchedulerType,
    max_grad_norm: s.maxGradNorm,
    group_by_length: s.groupByLength,
    seed: s.seed
  };
}

async function collectRows(options: FinetuneOptions): Promise<TrainingData> {
  if (options.rows != null) {
    const data: TrainingData = {train: [], valid: []};
    for await (const row of options.rows) (row.split === "valid" ? data.valid : data.train).push(row);
    return data;
  }
  if (options.dataPath != null) return readPreparedData(options.dataPath);
  throw new UsageError("no training data: give rows or --data_path");
}

function checkRows(data: TrainingData, vocabSize: number): void {
  if (data.train.length === 0) throw new UsageError("no training rows (every record was dropped or the data is empty)");
  const check = (rows: readonly TrainRow[], split: string) =>
    rows.forEach((row, index) => {
      for (const id of Array.from(row.inputIds))
        if (!(id >= 0 && id < vocabSize))
          throw new UsageError(`${split} row ${index + 1}: token id ${id} is outside the base model's vocabulary (${vocabSize} tokens); prepare the data with the base model's tokenizer`);
    });
  check(data.train, "train");
  check(data.valid, "valid");
  if (!data.train.some((row) => trainedTokens(row) > 0))
    throw new UsageError("no row has a token to train on (every label is -100); check --train_on_inputs and --cutoff_len");
}

async function prepareOutputDir(outputDir: string, resuming: boolean): Promise<void> {
  const entries = await readdir(outputDir).catch(() => undefined);
  if (entries != null && entries.length > 0 && !resuming)
    throw new UsageError(`--output_dir ${outputDir} already exists and is not empty; choose another or pass --resume_from_checkpoint`);
  await mkdir(outputDir, {recursive: true});
}

async function findResumeCheckpoint(option: string | boolean | undefined, outputDir: string): Promise<Checkpoint | undefined> {
  if (option == null || option === false) return undefined;
  if (option === true) {
    const latest = (await listCheckpoints(outputDir)).at(-1);
    if (latest == null) throw new UsageError(`--resume_from_checkpoint: no checkpoint-* folder in ${outputDir}`);
    return loadCheckpoint(latest.path);
  }
  return loadCheckpoint(resolve(option));
}

function restoreFromCheckpoint(setup: TrainableSetup, checkpoint: Checkpoint): AdamWState {
  const {state} = checkpoint;
  if (state.mode !== setup.mode)
    throw new UsageError(`--resume_from_checkpoint: the checkpoint trained ${state.mode === "full" ? "every weight (--full)" : "LoRA adapters"}; pass the same mode`);
  if (state.mode === "lora" && JSON.stringify(state.lora) !== JSON.stringify(setup.lora))
    throw new UsageError(`--resume_from_checkpoint: LoRA settings differ from the checkpoint's (${JSON.stringify(state.lora)})`);
  for (const [name, value] of setup.trainable) {
    const saved = checkpoint.params.get(name);
    if (saved == null || saved.length !== value.length)
      throw new UsageError(`--resume_from_checkpoint: ${checkpoint.path} has no matching ${name}`);
    setup.trainable.set(name, saved);
  }
  return checkpoint.optimizer;
}

/** Mean loss over the validation rows, without dropout. */
async function evaluate(backend: ModelBackend, rows: readonly TrainRow[], microBatchSize: number, multipleOf: number): Promise<number> {
  let lossSum = 0;
  let tokens = 0;
  for (let i = 0; i < rows.length; i += microBatchSize) {
    const result = await backend.loss(toMicroBatch(rows.slice(i, i + microBatchSize), {multipleOf, batchSize: microBatchSize}));
    lossSum += result.lossSum;
    tokens += result.tokens;
  }
  return tokens === 0 ? Number.NaN : lossSum / tokens;
}

interface StepResult {
  readonly loss: number;
  readonly tokens: number;
  readonly processed: number;
  readonly gradNorm: number;
  readonly learningRate: number;
}

/**
 * Fine-tunes a llama model on CPU: LoRA adapters (default, h2oGPT's settings) or every weight (`full`).
 * Writes metrics.jsonl, loss.svg, checkpoints, and adapter.gguf (LoRA) / model.gguf (full, or LoRA with
 * `merge`) into `outputDir`. Interrupting via `signal` saves a checkpoint and throws FinetuneInterruptedError.
 */
export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const settings = withDefaults(options);
  checkSettings(settings);
  const outputDir = resolve(options.outputDir);
  const message = options.onMessage ?? (() => {});
  const resuming = options.resumeFromCheckpoint != null && options.resumeFromCheckpoint !== false;
  const checkpoint = await findResumeCheckpoint(options.resumeFromCheckpoint, outputDir);
  const basePath = options.baseModel ?? checkpoint?.state.baseModel;
  if (basePath == null) throw new UsageError("--base_model is required (a llama GGUF with F32/F16 weights, or a finetune checkpoint)");
  const base: BaseModel = await loadBaseModel(basePath);
  if (checkpoint != null && resolve(checkpoint.state.baseModel) !== base.path)
    throw new UsageError(`--resume_from_checkpoint: the checkpoint was trained from ${checkpoint.state.baseModel}, not ${base.path}`);

  const data = await collectRows(options);
  checkRows(data, base.config.vocabSize);
  await prepareOutputDir(outputDir, resuming);

  const setup = setupTrainable({
    model: base,
    full: settings.full,
    lora: {rank: settings.loraR, alpha: settings.loraAlpha, dropout: settings.loraDropout, targetModules: settings.loraTargetModules},
    random: new Random(settings.seed)
  });
  const plan = trainingPlan({
    rows: data.train.length,
    microBatchSize: settings.microBatchSize,
    batchSize: settings.batchSize,
    numEpochs: settings.numEpochs
  });
  const fingerprintNow = fingerprint(settings, data.train.length);
  if (checkpoint != null && JSON.stringify(checkpoint.state.settings) !== JSON.stringify(fingerprintNow))
    throw new UsageError(
      `--resume_from_checkpoint: training settings differ from the checkpoint's (${JSON.stringify(checkpoint.state.settings)})`
    );
  const optimizer = checkpoint != null ? restoreFromCheckpoint(setup, checkpoint) : createAdamWState(setup.trainable);
  let step = checkpoint?.state.step ?? 0;
  let tokensSeen = checkpoint?.state.tokensSeen ?? 0;

  const metricsPath = join(outputDir, METRICS_FILE);
  const chartPath = join(outputDir, CHART_FILE);
  if (checkpoint != null) await truncateMetrics(metricsPath, step);
  await writeFileAtomic(
    join(outputDir, "training_args.json"),
    JSON.stringify({base_model: base.path, mode: setup.mode, lora: setup.lora, ...fingerprintNow, plan}, null, 2) + "\n"
  );

  const runtime = await loadJax({threads: options.threads});
  const backend = new JaxLlamaBackend({
    runtime,
    config: base.config,
    frozen: setup.frozen,
    trainable: setup.trainable,
    shapes: setup.shapes,
    lora: setup.lora == null ? undefined : {targets: new Set(setup.lora.targets), scale: loraScale(setup.lora), dropout: setup.lora.dropout},
    jit: options.jit ?? true
  });

  const longest = Math.max(...data.train.map((row) => row.inputIds.length));
  if (longest > base.config.contextLength)
    message(`warning: rows of up to ${longest} tokens exceed the model's context length ${base.config.contextLength}`);
  message(
    `training ${setup.mode === "full" ? "every weight" : `LoRA r=${settings.loraR} on ${setup.lora!.targets.length} weights`}: ` +
      `${data.train.length} rows, ${plan.totalSteps} steps of ${plan.accumulation} micro-batches of ${plan.microBatchSize}` +
      (data.valid.length > 0 ? `, ${data.valid.length} validation rows` : "")
  );

  const evalSteps = options.evalSteps ?? Math.max(1, Math.floor(plan.totalSteps / 20));
  const lengths = data.train.map((row) => row.inputIds.length);
  const orders = new Map<number, number[]>();
  const order = (epoch: number) => {
    let rows = orders.get(epoch);
    if (rows == null) {
      orders.clear();
      rows = settings.groupByLength
        ? groupedEpochOrder(lengths, settings.microBatchSize, settings.seed, epoch)
        : epochOrder(data.train.length, settings.seed, epoch);
      orders.set(epoch, rows);
    }
    return rows;
  };

  const stateAt = (): TrainerState => ({
    version: 1,
    step,
    totalSteps: plan.totalSteps,
    tokensSeen,
    mode: setup.mode,
    lora: setup.lora,
    baseModel: base.path,
    config: base.config,
    settings: fingerprintNow
  });
  const save = async (): Promise<string> => {
    const path = await saveCheckpoint({
      outputDir,
      state: stateAt(),
      params: setup.trainable,
      shapes: setup.shapes,
      optimizer,
      metadata: setup.mode === "full" ? base.metadata : undefined
    });
    await pruneCheckpoints(outputDir, settings.saveTotalLimit);
    await writeFileAtomic(chartPath, lossChartSvg(await readMetrics(metricsPath)));
    return path;
  };

  const trainStep = async (): Promise<StepResult | "interrupted"> => {
    const batches = stepMicroBatches(plan, step, order);
    const sums = new Map<string, Float32Array>();
    let lossSum = 0;
    let tokens = 0;
    let processed = 0;
    for (const [k, indices] of batches.entries()) {
      if (options.signal?.aborted) return "interrupted";
      const rows = indices.map((i) => data.train[i]!);
      const result = await backend.lossAndGrads(toMicroBatch(rows, {multipleOf: settings.padToMultipleOf, batchSize: settings.microBatchSize}), {
        dropoutSeed: (Math.imul(settings.seed, 1_000_003) + Math.imul(step, 131) + k) >>> 0
      });
      lossSum += result.lossSum;
      tokens += result.tokens;
      processed += rows.reduce((sum, row) => sum + Math.max(0, row.inputIds.length - 1), 0);
      for (const [name, grad] of result.grads) {
        const sum = sums.get(name);
        if (sum == null) sums.set(name, Float32Array.from(grad));
        else for (let i = 0; i < sum.length; i++) sum[i] += grad[i]!;
      }
    }
    const learningRate = learningRateAt({
      step,
      totalSteps: plan.totalSteps,
      warmupSteps: settings.warmupSteps,
      peak: settings.learningRate,
      schedule: settings.lrSchedulerType
    });
    if (tokens === 0) return {loss: Number.NaN, tokens, processed, gradNorm: 0, learningRate};
    for (const sum of sums.values()) for (let i = 0; i < sum.length; i++) sum[i]! /= tokens;
    const gradNorm = clipGradNorm(sums, settings.maxGradNorm);
    const loss = lossSum / tokens;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new TrainingDivergedError(step + 1, loss);
    adamwStep({
      params: setup.trainable,
      grads: sums,
      state: optimizer,
      hyper: {...ADAMW_DEFAULTS, learningRate, weightDecay: settings.weightDecay},
      decays: decaysWeight
    });
    await backend.setTrainable(setup.trainable);
    return {loss, tokens, processed, gradNorm, learningRate};
  };

  const started = performance.now();
  let processedTotal = 0;
  let lastLoss = Number.NaN;
  let lastEval: number | undefined;
  try {
    while (step < plan.totalSteps) {
      const result = await trainStep();
      if (result === "interrupted") throw new FinetuneInterruptedError(await save());
      step += 1;
      tokensSeen += result.tokens;
      processedTotal += result.processed;
      const elapsedSeconds = (performance.now() - started) / 1000;
      const tokensPerSecond = processedTotal / Math.max(elapsedSeconds, 1e-9);
      if (Number.isFinite(result.loss)) lastLoss = result.loss;
      const record: MetricsRecord = {
        step,
        epoch: epochAt(plan, step),
        loss: result.loss,
        learning_rate: result.learningRate,
        grad_norm: result.gradNorm,
        tokens: result.tokens,
        tokens_per_second: Math.round(tokensPerSecond),
        elapsed_seconds: Number(elapsedSeconds.toFixed(2))
      };
      await appendMetrics(metricsPath, record);
      options.onProgress?.({
        step,
        totalSteps: plan.totalSteps,
        epoch: record.epoch,
        loss: result.loss,
        learningRate: result.learningRate,
        tokensPerSecond,
        elapsedSeconds
      });
      if (data.valid.length > 0 && (step % evalSteps === 0 || step === plan.totalSteps)) {
        lastEval = await evaluate(backend, data.valid, settings.microBatchSize, settings.padToMultipleOf);
        await appendMetrics(metricsPath, {step, epoch: record.epoch, eval_loss: lastEval});
        message(`step ${step}: eval_loss ${lastEval.toFixed(4)}`);
      }
      if (options.saveSteps != null && step % options.saveSteps === 0 && step < plan.totalSteps)
        message(`saved ${await save()}`);
    }
    const checkpointPath = await save();
    const exported = await exportModels({setup, base, outputDir, settings, name: options.modelName});
    const elapsed = (performance.now() - started) / 1000;
    return {
      outputDir,
      mode: setup.mode,
      steps: step,
      trainLoss: lastLoss,
      evalLoss: lastEval,
      ...exported,
      checkpointPath,
      metricsPath,
      chartPath,
      tokensPerSecond: processedTotal / Math.max(elapsed, 1e-9)
    };
  } finally {
    backend.dispose();
  }
}

async function exportModels(options: {
  setup: TrainableSetup;
  base: BaseModel;
  outputDir: string;
  settings: Settings;
  name?: string;
}): Promise<{adapterPath?: string; modelPath?: string}> {
  const {setup, base, outputDir, settings} = options;
  const modelPath = join(outputDir, MODEL_FILE);
  if (setup.mode === "full") {
    await writeLlamaModelGguf({path: modelPath, config: base.config, metadata: base.metadata, tensors: setup.trainable, type: settings.outputType, name: options.name});
    return {modelPath};
  }
  const lora = setup.lora!;
  const adapterPath = join(outputDir, ADAPTER_FILE);
  await writeLoraAdapterGguf({path: adapterPath, alpha: lora.alpha, adapters: setup.trainable, shapes: setup.shapes, name: options.name});
  if (!settings.merge) return {adapterPath};
  const tensors = mergeLora({base: base.tensors, adapters: setup.trainable, shapes: setup.shapes, targets: lora.targets, rank: lora.rank, scale: loraScale(lora)});
  await writeLlamaModelGguf({path: modelPath, config: base.config, metadata: base.metadata, tensors, type: settings.outputType, name: options.name});
  return {adapterPath, modelPath};
}
