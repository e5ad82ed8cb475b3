import {availableParallelism} from "node:os";
import {UsageError} from "../errors/index.js";
import type {Tokenizer} from "../tokenizer/index.js";
import {validateValSetSize} from "./split-rows.js";
import {DEFAULT_MAX_RECORD_BYTES} from "./read-data-records.js";

export type ExcessLengthStrategy = "truncate" | "drop" | "raise";
export const EXCESS_LENGTH_STRATEGIES: readonly ExcessLengthStrategy[] = ["truncate", "drop", "raise"];

export interface PrepareProgress {
  /** Input bytes consumed so far and in all (on disk: compressed bytes for .gz). */
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly read: number;
  readonly written: number;
  readonly dropped: number;
}

export interface PrepareOptions {
  /** A file, a comma-separated list, an array, or a folder: JSON Lines, JSON arrays, CSV/TSV, Parquet (.gz too). */
  readonly dataPath: string | readonly string[];
  /**
   * A tokenizer.json (or its folder) or a GGUF file, or a tokenizer already loaded (used as is when `workers` is 0;
   * worker threads load its `path`). A tokenizer passed in is not disposed.
   */
  readonly tokenizer: string | Tokenizer;
  /** Column renames, `{'A': 'input'}` (JSON or h2oGPT's Python-dict spelling) or an object. */
  readonly dataColDict?: string | Readonly<Record<string, unknown>>;
  /** Default prompt type for records without their own; `plain` as in h2oGPT's finetune.py. */
  readonly promptType?: string | number;
  readonly promptDict?: string | Readonly<Record<string, unknown>>;
  /** `auto` or undefined: the prompt type's default; `''`: none; other text: that system prompt. */
  readonly systemPrompt?: string;
  /**
   * Jinja chat template text for prompt types `unknown` / `template` (records rendered as conversations);
   * default: the tokenizer's own chat template, if it has one.
   */
  readonly chatTemplate?: string;
  /** Token budget per row; default 512. */
  readonly cutoffLen?: number;
  /** Append EOS when the last token is not EOS and there is room (h2oGPT's rule); default false. */
  readonly addEosToken?: boolean;
  /** false sets the label of every prompt token to -100; default true, as h2oGPT. */
  readonly trainOnInputs?: boolean;
  /** What to do with a record over `cutoffLen`: keep its first tokens (default), drop it, or stop with an error. */
  readonly excessLengthStrategy?: ExcessLengthStrategy;
  /** Validation rows: 0 (default), a count, or a fraction below 1. */
  readonly valSetSize?: number;
  readonly seed?: number;
  /** Shuffle with a streaming buffer of `shuffleBufferSize` records (a local shuffle; see shuffleBuffered). */
  readonly shuffle?: boolean;
  readonly shuffleBufferSize?: number;
  /** Stop at the first problem record with a RecordError instead of counting it. */
  readonly strict?: boolean;
  /** Tokenizer worker threads; 0 tokenizes on the calling thread. Default: the number of CPUs, at most 4. */
  readonly workers?: number;
  /** A single record larger than this is counted as `record_too_large` and never held in memory. */
  readonly maxRecordBytes?: number;
  /** Relative data paths are resolved from here. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: PrepareProgress) => void;
}

type Defaulted = "promptType" | "cutoffLen" | "addEosToken" | "trainOnInputs" | "excessLengthStrategy" | "valSetSize" | "seed" | "shuffleBufferSize" | "maxRecordBytes" | "workers";
export type Settings = Required<Pick<PrepareOptions, Defaulted>> & Omit<PrepareOptions, Defaulted>;

/**
 * Each worker holds its own tokenizer (tens of MB), and beyond a few workers the reading thread is the limit, so
 * the default stops at this many however many CPUs there are.
 */
const MAX_DEFAULT_WORKERS = 4;

export function withDefaults(options: PrepareOptions): Settings {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as PrepareOptions;
  return {
    promptType: "plain",
    cutoffLen: 512,
    addEosToken: false,
    trainOnInputs: true,
    excessLengthStrategy: "truncate",
    valSetSize: 0,
    seed: 42,
    shuffleBufferSize: 10_000,
    maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
    workers: Math.min(MAX_DEFAULT_WORKERS, availableParallelism()),
    ...given
  };
}

export function validatePrepareOptions(options: PrepareOptions): void {
  const {cutoffLen, excessLengthStrategy, valSetSize, workers, shuffleBufferSize} = options;
  if (cutoffLen != null && (!Number.isInteger(cutoffLen) || cutoffLen < 1))
    throw new UsageError(`--cutoff_len: expected a whole number of tokens >= 1, got ${cutoffLen}`);
  if (excessLengthStrategy != null && !EXCESS_LENGTH_STRATEGIES.includes(excessLengthStrategy))
    throw new UsageError(`--excess_length_strategy: expected ${EXCESS_LENGTH_STRATEGIES.join(", ")}, got '${excessLengthStrategy}'`);
  if (valSetSize != null) validateValSetSize(valSetSize);
  if (workers != null && (!Number.isInteger(workers) || workers < 0))
    throw new UsageError(`workers: expected a whole number >= 0, got ${workers}`);
  if (shuffleBufferSize != null && (!Number.isInteger(shuffleBufferSize) || shuffleBufferSize < 1))
    throw new UsageError(`shuffle buffer: expected a whole number >= 1, got ${shuffleBufferSize}`);
  if (!options.tokenizer) throw new UsageError("--tokenizer is required (a tokenizer.json, its folder, or a GGUF)");
}

const REPORTED_SETTINGS = [
  "dataPath", "tokenizer", "dataColDict", "promptType", "promptDict", "systemPrompt", "chatTemplate", "cutoffLen", "addEosToken",
  "trainOnInputs", "excessLengthStrategy", "valSetSize", "seed", "shuffle", "shuffleBufferSize", "strict"
] as const;

export function reportedSettings(settings: Settings): Record<string, unknown> {
  const picked = Object.fromEntries(REPORTED_SETTINGS.filter((key) => settings[key] !== undefined).map((key) => [key, settings[key]]));
  return {...picked, tokenizer: typeof settings.tokenizer === "string" ? settings.tokenizer : settings.tokenizer.path};
}

