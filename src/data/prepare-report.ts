import type {DropReason} from "./drop-reasons.js";
import {formatSource, type SourceRef} from "./record-types.js";

/** How many file:line examples the report keeps per drop reason. */
export const EXAMPLES_PER_REASON = 5;

export interface LengthStats {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

export interface PrepareReport {
  /** Every record read, good or bad: `read === written + sum(dropped)`. */
  readonly read: number;
  readonly written: number;
  readonly train: number;
  readonly valid: number;
  /** Written rows that lost tokens to `cutoffLen` (including rows that lost only their EOS). */
  readonly truncated: number;
  /** Tokens in the written rows, and how they split between trained and masked (-100) labels. */
  readonly tokens: number;
  readonly trainedTokens: number;
  readonly maskedTokens: number;
  /** Records not written, per reason (only reasons that happened). */
  readonly dropped: Partial<Record<DropReason, number>>;
  /** The first `EXAMPLES_PER_REASON` `file:line` of each drop reason... */
  readonly examples: Partial<Record<DropReason, string[]>>;
  /** ...and what was wrong with each of them, in the same order. */
  readonly exampleDetails: Partial<Record<DropReason, string[]>>;
  /** Token counts before truncation of every record that was tokenized (written or dropped as too long). */
  readonly lengths: LengthStats;
  /** Token lengths before truncation in equal-width bins (`from` and `to` inclusive), for the histogram. */
  readonly lengthHistogram: readonly HistogramBin[];
  /** Written rows per prompt type. */
  readonly promptTypes: Readonly<Record<string, number>>;
  readonly files: readonly string[];
  /** Files in a --data_path folder skipped because their extension is not a data format. */
  readonly ignoredFiles: readonly string[];
  readonly warnings: readonly string[];
  /** The settings the run used, defaults filled in (camelCase option names). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly bytes: number;
  readonly seconds: number;
}

function percentile(sorted: readonly (readonly [number, number])[], total: number, fraction: number): number {
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (const [length, count] of sorted) {
    seen += count;
    if (seen >= rank) return length;
  }
  return sorted[sorted.length - 1]![0];
}

/** Histogram buckets: about ten equal-width bins with round edges, from the shortest record to the longest. */
function histogram(sorted: readonly (readonly [number, number])[]): HistogramBin[] {
  if (sorted.length === 0) return [];
  const min = sorted[0]![0];
  const max = sorted[sorted.length - 1]![0];
  const raw = Math.max(1, (max - min + 1) / 10);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 5, 10].map((m) => m * magnitude).find((w) => w >= raw)!;
  const first = Math.floor(min / width);
  const bins: {from: number; to: number; count: number}[] = [];
  for (let from = first * width; from <= max; from += width) bins.push({from, to: from + width - 1, count: 0});
  for (const [length, count] of sorted) bins[Math.floor(length / width) - first]!.count += count;
  return bins;
}

/** Accumulates the report while rows stream through; memory is one counter per distinct length. */
export class ReportCollector {
  read = 0;
  train = 0;
  valid = 0;
  truncated = 0;
  trainedTokens = 0;
  maskedTokens = 0;
  bytes = 0;
  readonly warnings: string[] = [];
  private readonly dropped = new Map<DropReason, number>();
  private readonly examples = new Map<DropReason, string[]>();
  private readonly exampleDetails = new Map<DropReason, string[]>();
  private readonly lengthCounts = new Map<number, number>();
  private readonly promptTypes = new Map<string, number>();
  private readonly started = performance.now();

  constructor(
    private readonly files: readonly string[],
    private readonly ignoredFiles: readonly string[]
  ) {}

  drop(reason: DropReason, source: SourceRef, detail: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    const list = this.examples.get(reason) ?? [];
    const details = this.exampleDetails.get(reason) ?? [];
    if (list.length < EXAMPLES_PER_REASON) {
      list.push(formatSource(source));
      details.push(detail);
    }
    this.examples.set(reason, list);
    this.exampleDetails.set(reason, details);
  }

  length(fullLength: number): void {
    this.lengthCounts.set(fullLength, (this.lengthCounts.get(fullLength) ?? 0) + 1);
  }

  written(row: {readonly promptType: string; readonly length: number; readonly masked: number; readonly truncated: boolean}): void {
    this.trainedTokens += row.length - row.masked;
    this.maskedTokens += row.masked;
    if (row.truncated) this.truncated++;
    this.promptTypes.set(row.promptType, (this.promptTypes.get(row.promptType) ?? 0) + 1);
  }

  get droppedCount(): number {
    let total = 0;
    for (const count of this.dropped.values()) total += count;
    return total;
  }

  report(settings: Readonly<Record<string, unknown>>): PrepareReport {
    const sorted = [...this.lengthCounts].sort((a, b) => a[0] - b[0]);
    let total = 0;
    for (const [, count] of sorted) total += count;
    return {
      read: this.read,
      written: this.train + this.valid,
      train: this.train,
      valid: this.valid,
      truncated: this.truncated,
      tokens: this.trainedTokens + this.maskedTokens,
      trainedTokens: this.trainedTokens,
      maskedTokens: this.maskedTokens,
      dropped: Object.fromEntries(this.dropped),
      examples: Object.fromEntries(this.examples),
      exampleDetails: Object.fromEntries(this.exampleDetails),
      lengths: {
        p50: percentile(sorted, total, 0.5),
        p90: percentile(sorted, total, 0.9),
        p99: percentile(sorted, total, 0.99),
        max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]![0]
      },
      lengthHistogram: histogram(sorted),
      promptTypes: Object.fromEntries(this.promptTypes),
      files: this.files,
      ignoredFiles: this.ignoredFiles,
      warnings: this.warnings,
      settings,
      bytes: this.bytes,
      seconds: Math.round(performance.now() - this.started) / 1000
    };
  }
}
