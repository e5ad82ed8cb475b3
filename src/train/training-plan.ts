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
