import {FINETUNE_DEFAULTS} from "./finetune-options.js";
import {Random} from "./random.js";

/** How rows become micro-batches and optimizer steps; a pure function of the settings, so resume is exact. */
export interface TrainingPlan {
  readonly rows: number;
  readonly microBatchSize: number;
  /** Micro-batches per optimizer step (h2oGPT: batch_size // micro_batch_size). */
  readonly accumulation: number;
  readonly microBatchesPerEpoch: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
}

export function trainingPlan(options: {rows: number; microBatchSize: number; batchSize: number; numEpochs: number}): TrainingPlan {
  const {rows, microBatchSize} = options;
  const accumulation = Math.max(1, Math.floor(options.batchSize / microBatchSize));
  const microBatchesPerEpoch = Math.ceil(rows / microBatchSize);
  const stepsPerEpoch = Math.ceil(microBatchesPerEpoch / accumulation);
  const totalSteps = Math.max(1, Math.ceil(stepsPerEpoch * options.numEpochs));
  return {rows, microBatchSize, accumulation, microBatchesPerEpoch, stepsPerEpoch, totalSteps};
}

/** The row order of one epoch: a fresh shuffle per epoch from the seed (Hugging Face's Trainer reshuffles each epoch). */
export function epochOrder(rows: number, seed: number, epoch: number): number[] {
  return new Random((Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0).permutation(rows);
}

/**
 * Hugging Face's group_by_length (LengthGroupedSampler): shuffle, cut into mega-batches of up to 50
 * micro-batches, sort each longest first, so a micro-batch holds rows of similar length and pads little.
 */
export function groupedEpochOrder(lengths: readonly number[], microBatchSize: number, seed: number, epoch: number): number[] {
  const shuffled = epochOrder(lengths.length, seed, epoch);
  const multiple = Math.max(1, Math.min(50, Math.floor(lengths.length / (microBatchSize * 4))));
  const mega = multiple * microBatchSize;
  const out: number[] = [];
  for (let start = 0; start < shuffled.length; start += mega)
    out.push(...shuffled.slice(start, start + mega).sort((a, b) => lengths[b]! - lengths[a]! || a - b));
  return out;
}

/** The row indices of each micro-batch of optimizer step `step` (0-based). */
export function stepMicroBatches(plan: TrainingPlan, step: number, order: (epoch: number) => number[]): number[][] {
  const epoch = Math.floor(step / plan.stepsPerEpoch);
  const first = (step % plan.stepsPerEpoch) * plan.accumulation;
  const last = Math.min(first + plan.accumulation, plan.microBatchesPerEpoch);
  const rows = order(epoch);
  const batches: number[][] = [];
  for (let m = first; m < last; m++) batches.push(rows.slice(m * plan.microBatchSize, (m + 1) * plan.microBatchSize));
  return batches;
}

/** Fractional epoch at the end of `step` steps, as Hugging Face logs it. */
export function epochAt(plan: TrainingPlan, step: number): number {
  return Number((step / plan.stepsPerEpoch).toFixed(4));
}

/**
 * The warmup a run uses. A warmup as long as the run never reaches the peak learning rate (h2oGPT's default 100
 * on a 1-step run trains at ~1% of it), so the default is scaled to a tenth of a shorter run, and a given warmup
 * that is not shorter than the run is cut to a tenth of it, with a warning.
 */
export function warmupFor(options: {readonly requested?: number; readonly totalSteps: number}): {steps: number; message?: string} {
  const {requested, totalSteps} = options;
  const tenth = Math.floor(totalSteps / 10);
  // h2oGPT's default (100) was chosen for runs of a thousand steps or more.
  const DEFAULT_WARMUP_STEPS = FINETUNE_DEFAULTS.warmupSteps;
  if (requested == null) {
    const steps = Math.min(DEFAULT_WARMUP_STEPS, tenth);
    if (steps === DEFAULT_WARMUP_STEPS) return {steps};
    return {steps, message: `warmup: ${steps} steps (the default ${DEFAULT_WARMUP_STEPS} is for runs of 1,000 steps or more; this run has ${totalSteps}, so a tenth of it)`};
  }
  if (requested < totalSteps) return {steps: requested};
  return {
    steps: tenth,
    message: `warning: --warmup_steps=${requested} is not shorter than this ${totalSteps}-step run, so the learning rate would never reach its peak; warming up over ${tenth} steps (a tenth of the run) instead`
  };
}

const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n === 1 ? word : words}`;

/** The real counts of a run, e.g. "30 rows, 1 epoch: 1 optimizer step of 8 micro-batches of up to 4 rows". */
export function describePlan(plan: TrainingPlan, numEpochs: number): string {
  const perStep = Math.min(plan.accumulation, plan.microBatchesPerEpoch);
  const lastOfEpoch = plan.microBatchesPerEpoch - (plan.stepsPerEpoch - 1) * plan.accumulation;
  const steps = plan.stepsPerEpoch === plan.totalSteps ? "" : ` (${plan.stepsPerEpoch} per epoch)`;
  return (
    `${plural(plan.rows, "row")}, ${plural(numEpochs, "epoch")}: ${plural(plan.totalSteps, "optimizer step")}${steps} ` +
    `of ${plural(perStep, "micro-batch", "micro-batches")}` +
    ` of up to ${plural(plan.microBatchSize, "row")}` +
    (lastOfEpoch !== perStep ? ` (the last step of each epoch: ${lastOfEpoch})` : "") +
    (plan.accumulation > plan.microBatchesPerEpoch ? `; --batch_size is more than all the rows, so each step is a whole epoch` : "")
  );
}
