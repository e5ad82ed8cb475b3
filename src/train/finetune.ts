import {join, resolve} from "node:path";
import {H2oGptError, NotSupportedError, UsageError} from "../errors/index.js";
import {writeFileAtomic} from "../util/index.js";
import {adamwStep, ADAMW_DEFAULTS, createAdamWState} from "./adamw.js";
import {pruneCheckpoints, saveCheckpoint, type TrainerState} from "./checkpoint.js";
import {clipGradNorm} from "./clip-grad-norm.js";
import {exportModels} from "./export-models.js";
import {
  CHART_FILE,
  METRICS_FILE,
  checkSettings,
  fingerprint,
  fingerprintDifferences,
  withDefaults,
  type FinetuneOptions,
  type FinetuneResult
} from "./finetune-options.js";
import {loadBaseModel, type BaseModel} from "./load-base-model.js";
import {lossChartSvg} from "./loss-chart.js";
import {defaultLoraTargetModules, loraScale} from "./lora.js";
import {learningRateAt} from "./lr-schedule.js";
import {appendMetrics, readMetrics, truncateMetrics, type MetricsRecord} from "./metrics.js";
import {toMicroBatch, type TrainRow} from "./micro-batch.js";
import type {MicroBatch, ModelBackend} from "./model-backend.js";
import {isGptNeox} from "./model-config.js";
import {Random} from "./random.js";
import {isRewardRow, rewardRowTokens, toRewardBatch, type RewardRow} from "./reward-batch.js";
import {addRewardHead, exportRewardModel, rewardAccuracy, rewardBias} from "./reward-head.js";
import {peftTargetModules, readPeftSeed, readPeftSeedConfig, seedFromPeft, withPeftSettings} from "./peft-seed.js";
import {findResumeCheckpoint, prepareOutputDir, restoreFromCheckpoint, setupDifferences, withCheckpointSettings} from "./resume.js";
import {decaysWeight, setupTrainable} from "./trainable-setup.js";
import {TrainingDivergedError, TrainingMemoryError} from "./train-errors.js";
import {chooseTrainBackend, createTrainBackend} from "./train-backend.js";
import {checkRows, collectRows} from "./training-data.js";
import {describePlan, epochAt, epochOrder, groupedEpochOrder, stepMicroBatches, trainingPlan, warmupFor} from "./training-plan.js";

/** Ctrl-C (or the signal) stopped training; the last completed step is saved as a checkpoint. Exit code 130. */
export class FinetuneInterruptedError extends H2oGptError {
  override readonly exitCode: number = 130;

  constructor(readonly checkpointPath: string) {
    super(`interrupted: saved ${checkpointPath}; continue with --resume_from_checkpoint=${checkpointPath}`);
  }
}

/** Mean loss over the validation rows, without dropout. */
async function evaluate(backend: ModelBackend, rows: readonly TrainRow[], microBatchSize: number, toBatch: (rows: readonly TrainRow[]) => MicroBatch): Promise<number> {
  let lossSum = 0;
  let tokens = 0;
  for (let i = 0; i < rows.length; i += microBatchSize) {
    const result = await backend.loss(toBatch(rows.slice(i, i + microBatchSize)));
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
export async function finetune(given: FinetuneOptions): Promise<FinetuneResult> {
  // What was given is refused before a checkpoint is read; what a checkpoint fills in is checked after.
  checkSettings(withDefaults(given));
  const outputDir = resolve(given.outputDir);
  const message = given.onMessage ?? (() => {});
  const resuming = given.resumeFromCheckpoint != null && given.resumeFromCheckpoint !== false;
  const checkpoint = await findResumeCheckpoint(given.resumeFromCheckpoint, outputDir);
  // A PEFT folder seeds a new run only; a resumed run continues from its checkpoint's adapters.
  const peftDir = checkpoint == null ? given.loraWeights : undefined;
  if (checkpoint != null && given.loraWeights != null) message(`note: resuming from ${checkpoint.path}: its adapters are used, not --lora_weights`);
  const resumed = checkpoint == null ? given : withCheckpointSettings(given, checkpoint.state);
  const options = peftDir == null ? resumed : withPeftSettings(resumed, await readPeftSeedConfig(resumed), peftDir);
  const settings = withDefaults(options);
  checkSettings(settings);
  const basePath = options.baseModel ?? checkpoint?.state.baseModel;
  if (basePath == null) throw new UsageError("--base_model is required (a llama GGUF with F32/F16 weights, or a finetune checkpoint)");
  const base: BaseModel = await loadBaseModel(basePath);
  if (checkpoint != null && resolve(checkpoint.state.baseModel) !== base.path)
    throw new UsageError(`--resume_from_checkpoint: the checkpoint was trained from ${checkpoint.state.baseModel}, not ${base.path}`);

  const data = await collectRows(options);
  checkRows(data, base.config.vocabSize);
  const reward = options.reward;
  if (reward != null && isGptNeox(base.config)) throw new NotSupportedError(`${base.path}: reward models can be trained on llama models only`);
  if (reward != null && ![...data.train, ...data.valid].every(isRewardRow))
    throw new UsageError("reward training needs preference pairs (rows from readRewardPairs), not language-model rows");
  const peft = peftDir == null ? undefined : await readPeftSeed(peftDir, base);
  await prepareOutputDir(outputDir, resuming);

  const random = new Random(settings.seed);
  const setup = setupTrainable({
    model: base,
    full: settings.full,
    lora: {
      rank: settings.loraR,
      alpha: settings.loraAlpha,
      dropout: settings.loraDropout,
      // peft's default depends on the architecture (q_proj/v_proj for llama, query_key_value for gpt_neox).
      targetModules: options.loraTargetModules ?? (peft == null ? defaultLoraTargetModules(base.config) : peftTargetModules(peft.targets, base))
    },
    random
  });
  if (peft != null) seedFromPeft({setup, weights: peft, dir: peftDir!, base});
  if (reward != null) addRewardHead(setup, base.config.embeddingLength, random);
  const plan = trainingPlan({
    rows: data.train.length,
    microBatchSize: settings.microBatchSize,
    batchSize: settings.batchSize,
    numEpochs: settings.numEpochs
  });
  const warmup = warmupFor({requested: options.warmupSteps, totalSteps: plan.totalSteps});
  const fingerprintNow = fingerprint({...settings, warmupSteps: warmup.steps}, data.train.length);
  const differences =
    checkpoint == null ? [] : [...setupDifferences(checkpoint.state, setup), ...fingerprintDifferences(checkpoint.state.settings, fingerprintNow)];
  if (differences.length > 0) throw new UsageError(`--resume_from_checkpoint ${checkpoint!.path}: ${differences.join("; ")}`);
  const optimizer = checkpoint != null ? restoreFromCheckpoint(setup, checkpoint) : createAdamWState(setup.trainable);
  let step = checkpoint?.state.step ?? 0;
  let tokensSeen = checkpoint?.state.tokensSeen ?? 0;

  const metricsPath = join(outputDir, METRICS_FILE);
  const chartPath = join(outputDir, CHART_FILE);
  if (checkpoint != null) await truncateMetrics(metricsPath, step);
  await writeFileAtomic(
    join(outputDir, "training_args.json"),
    JSON.stringify({base_model: base.path, mode: setup.mode, lora: setup.lora, ...(peftDir == null ? {} : {lora_weights: resolve(peftDir)}), ...fingerprintNow, plan, data: options.dataSettings}, null, 2) + "\n"
  );

  const trainBackend = chooseTrainBackend({requested: options.trainBackend});
  const backend = await createTrainBackend({
    name: trainBackend,
    config: base.config,
    frozen: setup.frozen,
    trainable: setup.trainable,
    shapes: setup.shapes,
    lora: setup.lora == null ? undefined : {targets: new Set(setup.lora.targets), scale: loraScale(setup.lora), dropout: setup.lora.dropout},
    threads: options.threads,
    jit: options.jit,
    reward: reward != null
  });
  const toBatch = (rows: readonly TrainRow[]): MicroBatch =>
    reward == null
      ? toMicroBatch(rows, {multipleOf: settings.padToMultipleOf, batchSize: settings.microBatchSize})
      : toRewardBatch(rows as readonly RewardRow[], {multipleOf: settings.padToMultipleOf, batchSize: settings.microBatchSize, pooling: reward.pooling});
  const fedTokens = (row: TrainRow): number => (isRewardRow(row) ? rewardRowTokens(row) : Math.max(0, row.inputIds.length - 1));

  const longest = Math.max(...data.train.map((row) => row.inputIds.length));
  if (longest > base.config.contextLength)
    message(`warning: rows of up to ${longest} tokens exceed the model's context length ${base.config.contextLength}`);
  if (warmup.message != null) message(warmup.message);
  message(
    `training ${setup.mode === "full" ? "every weight" : `LoRA r=${settings.loraR} on ${setup.lora!.targets.length} weights${peftDir == null ? "" : ` from ${resolve(peftDir)}`}`}: ` +
      describePlan(plan, settings.numEpochs) +
      (data.valid.length > 0 ? `, ${data.valid.length} validation rows` : "") +
      `; learning rate ${settings.learningRate} (${settings.lrSchedulerType}) after ${warmup.steps} warmup steps`
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
    settings: fingerprintNow,
    ...(options.dataSettings == null ? {} : {dataSettings: options.dataSettings})
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
      const result = await backend.lossAndGrads(toBatch(rows), {
        dropoutSeed: (Math.imul(settings.seed, 1_000_003) + Math.imul(step, 131) + k) >>> 0
      });
      lossSum += result.lossSum;
      tokens += result.tokens;
      processed += rows.reduce((sum, row) => sum + fedTokens(row), 0);
      for (const [name, grad] of result.grads) {
        const sum = sums.get(name);
        if (sum == null) sums.set(name, Float32Array.from(grad));
        else for (let i = 0; i < sum.length; i++) sum[i] += grad[i]!;
      }
    }
    const learningRate = learningRateAt({
      step,
      totalSteps: plan.totalSteps,
      warmupSteps: warmup.steps,
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
        lastEval = await evaluate(backend, data.valid, settings.microBatchSize, toBatch);
        await appendMetrics(metricsPath, {step, epoch: record.epoch, eval_loss: lastEval});
        message(`step ${step}: eval_loss ${lastEval.toFixed(4)}`);
      }
      if (options.saveSteps != null && step % options.saveSteps === 0 && step < plan.totalSteps)
        message(`saved ${await save()}`);
    }
    const checkpointPath = await save();
    const rewardRun =
      reward == null
        ? undefined
        : await (async () => {
            const pairs = {rewards: (batch: MicroBatch) => backend.rewards(batch), microBatchSize: settings.microBatchSize, multipleOf: settings.padToMultipleOf, pooling: reward.pooling};
            const bias = await rewardBias({...pairs, rows: data.train as RewardRow[]});
            const accuracy = data.valid.length === 0 ? undefined : await rewardAccuracy({...pairs, rows: data.valid as RewardRow[]});
            if (accuracy != null) message(`validation pairs: the chosen answer wins ${(100 * accuracy).toFixed(1)}%`);
            return {rewardBias: bias, evalAccuracy: accuracy};
          })();
    const exported =
      reward == null || rewardRun == null
        ? await exportModels({setup, base, outputDir, settings, name: options.modelName, promptType: options.promptType})
        : await exportRewardModel({setup, base, outputDir, settings, bias: rewardRun.rewardBias, maxLength: reward.maxLength, pooling: reward.pooling, name: options.modelName, promptType: options.promptType});
    const elapsed = (performance.now() - started) / 1000;
    return {
      outputDir,
      mode: setup.mode,
      steps: step,
      trainLoss: lastLoss,
      evalLoss: lastEval,
      ...exported,
      ...rewardRun,
      checkpointPath,
      metricsPath,
      chartPath,
      tokensPerSecond: processedTotal / Math.max(elapsed, 1e-9),
      trainBackend
    };
  } catch (error) {
    if (error instanceof RangeError && /memory32 limit/.test(error.message))
      throw new TrainingMemoryError(settings.microBatchSize, longest, {cause: error});
    throw error;
  } finally {
    await backend.dispose();
  }
}
