import {H2oGptError, UsageError} from "../errors/index.js";
import {fieldSources, type FieldSources} from "./data-col-dict.js";
import {ExcessLengthError, RecordError} from "./data-errors.js";
import type {DropReason} from "./drop-reasons.js";
import {listInputFiles} from "./input-files.js";
import {labelsFor} from "./label-tokens.js";
import {reportedSettings, validatePrepareOptions, withDefaults, type PrepareOptions, type Settings} from "./prepare-options.js";
import {ReportCollector, type PrepareReport} from "./prepare-report.js";
import type {SourceRef} from "./record-types.js";
import {renderRecord, type RenderDefaults} from "./render-record.js";
import {seededRandom} from "./seeded-random.js";
import {createSplitter, type Split} from "./split-rows.js";
import {tokenizeJob, type TokenizedBatch} from "./tokenize-batch.js";
import {TokenizerPool} from "./tokenizer-pool.js";
import {workItemBatches, type WorkItem} from "./work-items.js";
import type {TokenizerInfo} from "./worker-protocol.js";

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

/**
 * Prepares h2oGPT-style training rows from records: reads the files as streams, renders each record with its prompt
 * type, tokenizes the whole string once on worker threads (input order kept), finds the prompt/answer boundary by
 * character offsets, truncates or drops at `cutoffLen`, and splits off validation rows. Every record is either
 * yielded or counted in the report under a reason with its file:line. Throws (from iteration or `report()`) a
 * UsageError for bad options or unreadable paths, a RecordError under `strict` or `excessLengthStrategy: "raise"`.
 */
export function prepare(options: PrepareOptions): PreparedRows {
  validatePrepareOptions(options);
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

/**
 * The prompt settings every record starts from, checked once: a bad default prompt type, prompt_dict or chat
 * template is one usage error before any work, not a drop per record.
 */
function renderDefaultsFor(settings: Settings, info: TokenizerInfo): RenderDefaults {
  const tokenizerName = typeof settings.tokenizer === "string" ? settings.tokenizer : settings.tokenizer.path;
  if (settings.addEosToken && info.eosTokenId == null) throw new UsageError(`--add_eos_token: the tokenizer ${tokenizerName} has no EOS token`);
  const template = settings.chatTemplate ?? info.chatTemplate;
  const source = settings.chatTemplate == null ? tokenizerName : "--chat_template";
  const defaults: RenderDefaults = {
    promptType: settings.promptType,
    promptDict: settings.promptDict,
    systemPrompt: settings.systemPrompt,
    chatTemplate: template == null ? undefined : {template, bosToken: info.bosToken, eosToken: info.eosToken, source}
  };
  const check = renderRecord({kind: "instruction", instruction: "", input: "", output: "x", context: ""}, defaults);
  if ("reason" in check) throw new UsageError(check.detail);
  return defaults;
}

async function* run(sources: FieldSources, settings: Settings): AsyncGenerator<PreparedRow, PrepareReport> {
  const {files, ignored} = await listInputFiles(settings.dataPath, settings.cwd);
  const collector = new ReportCollector(
    files.map((file) => file.path),
    ignored
  );
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const {cutoffLen, excessLengthStrategy, strict} = settings;
  const random = seededRandom(settings.seed);
  // Rows get their split when the splitter decides it (a reservoir row only at the end).
  const splitter = createSplitter<{split: Split} & PreparedRow>(settings.valSetSize, random);

  const pool = await TokenizerPool.start({
    tokenizer: settings.tokenizer,
    workers: settings.workers,
    settings: {cutoffLen, addEosToken: settings.addEosToken, trainOnInputs: settings.trainOnInputs}
  });
  let renderDefaults: RenderDefaults;
  try {
    renderDefaults = renderDefaultsFor(settings, pool.info);
  } catch (error) {
    await pool.close();
    throw error;
  }

  const drop = (reason: DropReason, source: SourceRef, detail: string): void => {
    collector.drop(reason, source, detail);
    if (strict) throw new RecordError(reason, source, detail);
  };
  const progress = (): void =>
    settings.onProgress?.({bytesRead: collector.bytes, totalBytes, read: collector.read, written: collector.train + collector.valid, dropped: collector.droppedCount});

  function* emit(assigned: readonly {row: {split: Split} & PreparedRow; split: Split}[]): Generator<PreparedRow> {
    for (const {row, split} of assigned) {
      collector[split]++;
      row.split = split;
      yield row;
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
          split: "train",
          truncated
        })
      );
    }
  }

  const maxInFlight = Math.max(2, 2 * settings.workers);
  const inFlight: {items: WorkItem[]; result: Promise<TokenizedBatch> | undefined}[] = [];
  const submit = (items: WorkItem[]): void => {
    const rendered = items.filter((item) => item.kind === "rendered");
    const result = rendered.length > 0 ? pool.run(tokenizeJob(rendered)) : undefined;
    // Awaited in order below; this only keeps an early failure from being reported as unhandled.
    result?.catch(() => undefined);
    inFlight.push({items, result});
  };

  try {
    const batches = workItemBatches({
      files,
      sources,
      renderDefaults,
      collector,
      maxRecordBytes: settings.maxRecordBytes,
      signal: settings.signal,
      shuffle: settings.shuffle ? {bufferSize: settings.shuffleBufferSize, random} : undefined
    });
    for await (const items of batches) {
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

  if (settings.valSetSize >= 1 && collector.train === 0 && collector.valid > 0)
    collector.warnings.push(`--val_set_size ${settings.valSetSize} is not below the ${collector.valid} rows written: every row went to validation`);
  progress();
  return collector.report(reportedSettings(settings));
}
