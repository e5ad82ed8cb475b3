import {availableParallelism} from "node:os";
import {H2oGptError, UsageError} from "../errors/index.js";
import {fieldSources, type FieldSources} from "./data-col-dict.js";
import {ExcessLengthError, RecordError} from "./data-errors.js";
import type {DropReason} from "./drop-reasons.js";
import {listInputFiles} from "./input-files.js";
import {labelsFor} from "./label-tokens.js";
import {normalizeRecord} from "./normalize-record.js";
import {ReportCollector, type PrepareReport} from "./prepare-report.js";
import {readRecords} from "./read-records.js";
import type {SourceRef} from "./record-types.js";
import {renderRecord, type RenderDefaults} from "./render-record.js";
import {seededRandom} from "./seeded-random.js";
import {drainShuffled, shuffleBuffered} from "./shuffle-buffered.js";
import {createSplitter, validateValSetSize, type Split} from "./split-rows.js";
import type {TokenizedBatch} from "./tokenize-batch.js";
import {TokenizerPool} from "./tokenizer-pool.js";
import type {Tokenizer} from "../tokenizer/index.js";

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
  /** Tokenizer worker threads; 0 tokenizes on the calling thread. Default: the number of CPUs. */
  readonly workers?: number;
  /** A single record larger than this is counted as `record_too_large` and never held in memory. */
  readonly maxRecordBytes?: number;
  /** Relative data paths are resolved from here. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: PrepareProgress) => void;
}

/** One prepared training row. `labels` is `inputIds` with prompt tokens set to -100 when not training on inputs. */
export interface PreparedRow {
  readonly text: string;
  readonly inputIds: Int32Array;
  readonly labels: Int32Array;
  readonly attentionMask: Uint8Array;
  readonly promptType: string;
  readonly source: SourceRef;
  readonly split: Split;
  /** True when the row lost tokens (or its EOS) to `cutoffLen`. */
  readonly truncated: boolean;
}

/**
 * The rows of a prepare run, streamed: `for await (const row of prepared)` reads, renders and tokenizes as it goes
 * (train rows first, then the validation rows), and `await prepared.report()` gives the report once the rows are
 * consumed (it consumes them itself when nobody iterates). Iterate once.
 */
export interface PreparedRows extends AsyncIterable<PreparedRow> {
  report(): Promise<PrepareReport>;
}

type Defaulted = "promptType" | "cutoffLen" | "addEosToken" | "trainOnInputs" | "excessLengthStrategy" | "valSetSize" | "seed" | "shuffleBufferSize" | "maxRecordBytes" | "workers";
type Settings = Required<Pick<PrepareOptions, Defaulted>> & Omit<PrepareOptions, Defaulted>;

function withDefaults(options: PrepareOptions): Settings {
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
    maxRecordBytes: 64 * 1024 * 1024,
    workers: availableParallelism(),
    ...given
  };
}

/** A tokenizer job: enough text to keep a worker busy for a while, few enough rows to keep memory small. */
const BATCH_CHARS = 128 * 1024;
const BATCH_ROWS = 1024;

interface Rendered {
  readonly kind: "rendered";
  readonly text: string;
  readonly promptLength: number;
  readonly promptType: string;
  readonly source: SourceRef;
}

interface Dropped {
  readonly kind: "problem";
  readonly reason: DropReason;
  readonly detail: string;
  readonly source: SourceRef;
}

type WorkItem = Rendered | Dropped;

function validate(options: PrepareOptions): void {
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

/**
 * Prepares h2oGPT-style training rows from records: reads the files as streams, renders each record with its prompt
 * type, tokenizes the whole string once on worker threads (input order kept), finds the prompt/answer boundary by
 * character offsets, truncates or drops at `cutoffLen`, and splits off validation rows. Every record is either
 * yielded or counted in the report under a reason with its file:line. Throws (from iteration or `report()`) a
 * UsageError for bad options or unreadable paths, a RecordError under `strict` or `excessLengthStrategy: "raise"`.
 */
export function prepare(options: PrepareOptions): PreparedRows {
  validate(options);
  const sources = fieldSources(options.dataColDict);
  const generator = run(sources, withDefaults(options));
  let iterated = false;
  let finalReport: PrepareReport | undefined;

  const iterator: AsyncIterator<PreparedRow> = {
    async next() {
      const result = await generator.next();
      if (result.done) {
        finalReport = result.value;
        return {done: true, value: undefined};
      }
      return result;
    },
    async return() {
      await generator.return(undefined as never);
      return {done: true, value: undefined};
    }
  };

  return {
    [Symbol.asyncIterator]() {
      if (iterated) throw new H2oGptError("prepare(): the rows can be iterated only once");
      iterated = true;
      return iterator;
    },
    async report() {
      if (finalReport != null) return finalReport;
      if (iterated) throw new H2oGptError("prepare(): report() is available once all rows have been consumed");
      iterated = true;
      while (!(await iterator.next()).done);
      return finalReport!;
    }
  };
}

const REPORTED_SETTINGS = [
  "dataPath", "tokenizer", "dataColDict", "promptType", "promptDict", "systemPrompt", "chatTemplate", "cutoffLen", "addEosToken",
  "trainOnInputs", "excessLengthStrategy", "valSetSize", "seed", "shuffle", "shuffleBufferSize", "strict"
] as const;

function reportedSettings(settings: Settings): Record<string, unknown> {
  const picked = Object.fromEntries(REPORTED_SETTINGS.filter((key) => settings[key] !== undefined).map((key) => [key, settings[key]]));
  return {...picked, tokenizer: typeof settings.tokenizer === "string" ? settings.tokenizer : settings.tokenizer.path};
}

async function* run(sources: FieldSources, settings: Settings): AsyncGenerator<PreparedRow, PrepareReport> {
  const options = settings;
  const {files, ignored} = await listInputFiles(options.dataPath, options.cwd);
  const collector = new ReportCollector(
    files.map((file) => file.path),
    ignored
  );
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const {cutoffLen, excessLengthStrategy, strict} = settings;
  const random = seededRandom(settings.seed);
  const splitter = createSplitter<Omit<PreparedRow, "split">>(settings.valSetSize, random);
  const renamedColumns = new Set(
    Object.entries(sources).flatMap(([field, column]) => (column != null && column !== field ? [column] : []))
  );
  const seenColumns = new Set<string>();

  const tokenizerName = typeof options.tokenizer === "string" ? options.tokenizer : options.tokenizer.path;
  const pool = await TokenizerPool.start({
    tokenizer: options.tokenizer,
    workers: settings.workers,
    settings: {cutoffLen, addEosToken: settings.addEosToken, trainOnInputs: settings.trainOnInputs}
  });
  let renderDefaults: RenderDefaults;
  try {
    if (settings.addEosToken && pool.info.eosTokenId == null)
      throw new UsageError(`--add_eos_token: the tokenizer ${tokenizerName} has no EOS token`);
    const template = settings.chatTemplate ?? pool.info.chatTemplate;
    renderDefaults = {
      promptType: settings.promptType,
      promptDict: settings.promptDict,
      systemPrompt: settings.systemPrompt,
      chatTemplate:
        template == null
          ? undefined
          : {
              template,
              bosToken: pool.info.bosToken,
              eosToken: pool.info.eosToken,
              source: settings.chatTemplate == null ? tokenizerName : "--chat_template"
            }
    };
    // A bad default prompt type, prompt_dict or chat template is one usage error before any work, not a drop per record.
    const check = renderRecord({kind: "instruction", instruction: "", input: "", output: "x", context: ""}, renderDefaults);
    if ("reason" in check) throw new UsageError(check.detail);
  } catch (error) {
    await pool.close();
    throw error;
  }

  const drop = (reason: DropReason, source: SourceRef, detail: string): void => {
    collector.drop(reason, source, detail);
    if (strict) throw new RecordError(reason, source, detail);
  };
  const progress = (): void =>
    options.onProgress?.({bytesRead: collector.bytes, totalBytes, read: collector.read, written: collector.train + collector.valid, dropped: collector.droppedCount});

  function* emit(assigned: readonly {row: Omit<PreparedRow, "split">; split: Split}[]): Generator<PreparedRow> {
    for (const {row, split} of assigned) {
      collector[split]++;
      yield {...row, split};
    }
  }

  function* settle(items: readonly WorkItem[], batch: TokenizedBatch | undefined): Generator<PreparedRow> {
    let k = 0;
    for (const item of items) {
      if (item.kind === "problem") {
        drop(item.reason, item.source, item.detail);
        continue;
      }
      const i = k++;
      const length = batch!.lengths[i]!;
      const fullLength = batch!.fullLengths[i]!;
      const masked = batch!.masked[i]!;
      collector.length(fullLength);
      const truncated = fullLength > cutoffLen;
      if (truncated && excessLengthStrategy === "raise") throw new ExcessLengthError(item.source, fullLength, cutoffLen);
      if (truncated && excessLengthStrategy === "drop") {
        drop("too_long", item.source, `${fullLength} tokens, --cutoff_len is ${cutoffLen}`);
        continue;
      }
      if (length === masked) {
        const why = truncated ? `the prompt fills --cutoff_len ${cutoffLen}` : "the answer is empty and --train_on_inputs is false";
        drop("no_trained_tokens", item.source, why);
        continue;
      }
      const start = batch!.starts[i]!;
      const inputIds = batch!.ids.slice(start, start + length);
      collector.written({promptType: item.promptType, length, masked, truncated});
      yield* emit(
        splitter.push({
          text: item.text,
          inputIds,
          labels: labelsFor(inputIds, masked),
          attentionMask: new Uint8Array(length).fill(1),
          promptType: item.promptType,
          source: item.source,
          truncated
        })
      );
    }
  }

  const shuffleBuffer: Rendered[] = [];
  function* order(rendered: readonly Rendered[]): Iterable<Rendered> {
    if (settings.shuffle) yield* shuffleBuffered(rendered, settings.shuffleBufferSize, random, shuffleBuffer);
    else yield* rendered;
  }

  async function* batches(): AsyncGenerator<WorkItem[]> {
    let items: WorkItem[] = [];
    let chars = 0;
    let rows = 0;
    const add = (item: WorkItem): WorkItem[] | undefined => {
      items.push(item);
      if (item.kind === "rendered") {
        chars += item.text.length;
        rows++;
      }
      if (chars < BATCH_CHARS && rows < BATCH_ROWS) return undefined;
      const full = items;
      items = [];
      chars = 0;
      rows = 0;
      return full;
    };
    const reading = readRecords(files, {
      maxRecordBytes: settings.maxRecordBytes,
      signal: options.signal,
      onBytes: (bytes) => (collector.bytes += bytes)
    });
    for await (const raw of reading) {
      const rendered: Rendered[] = [];
      for (const item of raw) {
        collector.read++;
        if (item.kind === "problem") {
          const full = add(item);
          if (full) yield full;
          continue;
        }
        if (renamedColumns.size > 0 && typeof item.value === "object" && item.value != null)
          for (const column of renamedColumns) if (column in item.value) seenColumns.add(column);
        const normalized = normalizeRecord(item.value, sources);
        const result = normalized.kind === "problem" ? normalized : renderRecord(normalized, renderDefaults);
        if ("reason" in result) {
          const full = add({kind: "problem", reason: result.reason, detail: result.detail, source: item.source});
          if (full) yield full;
        } else rendered.push({kind: "rendered", ...result, source: item.source});
      }
      for (const item of order(rendered)) {
        const full = add(item);
        if (full) yield full;
      }
    }
    for (const item of drainShuffled(shuffleBuffer, random)) {
      const full = add(item);
      if (full) yield full;
    }
    if (items.length > 0) yield items;
  }

  const maxInFlight = Math.max(2, 2 * settings.workers);
  const inFlight: {items: WorkItem[]; result: Promise<TokenizedBatch> | undefined}[] = [];
  const submit = (items: WorkItem[]): void => {
    const texts: string[] = [];
    const promptLengths: number[] = [];
    for (const item of items)
      if (item.kind === "rendered") {
        texts.push(item.text);
        promptLengths.push(item.promptLength);
      }
    const result = texts.length > 0 ? pool.run({texts, promptLengths}) : undefined;
    // Awaited in order below; this only keeps an early failure from being reported as unhandled.
    result?.catch(() => undefined);
    inFlight.push({items, result});
  };

  try {
    for await (const items of batches()) {
      submit(items);
      while (inFlight.length >= maxInFlight) {
        const next = inFlight.shift()!;
        yield* settle(next.items, await next.result);
        progress();
      }
    }
    while (inFlight.length > 0) {
      const next = inFlight.shift()!;
      yield* settle(next.items, await next.result);
      progress();
    }
    yield* emit(splitter.finish());
  } finally {
    await pool.close();
  }

  for (const column of renamedColumns)
    if (!seenColumns.has(column)) collector.warnings.push(`--data_col_dict: no record has a column '${column}'`);
  if (settings.valSetSize >= 1 && collector.train === 0 && collector.valid > 0)
    collector.warnings.push(`--val_set_size ${settings.valSetSize} is not below the ${collector.valid} rows written: every row went to validation`);
  progress();
  return collector.report(reportedSettings(settings));
}
