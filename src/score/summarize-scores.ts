/** Mean, median and a 10-bin histogram of scores in [0, 1] (`generate --eval`, `h2ogpt score --data_path`). */
export interface ScoreSummary {
  readonly count: number;
  /** Pairs without a score (NA, Bad Question, Bad Answer). */
  readonly missing: number;
  readonly mean: number | null;
  readonly median: number | null;
  /** counts[k] holds scores in [k/10, (k+1)/10), the last bin including 1. */
  readonly histogram: number[];
}

/**
 * @example
 * summarizeScores([0.2, 0.9, null]); // {count: 2, missing: 1, mean: 0.55, median: 0.55, histogram: [0,0,1,0,0,0,0,0,0,1]}
 */
export function summarizeScores(scores: readonly (number | null)[]): ScoreSummary {
  const values = scores.filter((score): score is number => score !== null).sort((a, b) => a - b);
  const histogram = new Array<number>(10).fill(0);
  for (const value of values) histogram[Math.min(9, Math.max(0, Math.floor(value * 10)))]!++;
  const n = values.length;
  const median = n === 0 ? null : n % 2 === 1 ? values[(n - 1) / 2]! : (values[n / 2 - 1]! + values[n / 2]!) / 2;
  return {count: n, missing: scores.length - n, mean: n === 0 ? null : values.reduce((a, b) => a + b, 0) / n, median, histogram};
}
