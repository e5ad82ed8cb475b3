/**
 * Learning-rate schedules by Hugging Face's names (`--lr_scheduler_type`): linear warmup from 0 to the peak
 * over `warmupSteps`, then the named decay to 0 at `totalSteps`.
 */

type Decay = (progress: number) => number;

export const LR_SCHEDULES: Readonly<Record<string, Decay>> = {
  cosine: (progress) => 0.5 * (1 + Math.cos(Math.PI * progress)),
  linear: (progress) => 1 - progress,
  constant: () => 1
};

export function learningRateAt(options: {
  /** Optimizer steps already taken (0 for the first update). */
  readonly step: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly peak: number;
  readonly schedule: string;
}): number {
  const {step, totalSteps, warmupSteps, peak} = options;
  const decay = LR_SCHEDULES[options.schedule];
  if (decay == null) throw new RangeError(`unknown schedule ${options.schedule}`);
  if (step < warmupSteps) return (peak * (step + 1)) / (warmupSteps + 1);
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return peak * decay(progress);
}
