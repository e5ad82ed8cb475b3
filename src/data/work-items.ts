import type {FieldSources} from "./data-col-dict.js";
import type {DropReason} from "./drop-reasons.js";
import type {InputFile} from "./input-files.js";
import type {ReportCollector} from "./prepare-report.js";
import {dataItemBatches} from "./read-data-records.js";
import type {SourceRef} from "./record-types.js";
import {renderRecord, type RenderDefaults} from "./render-record.js";
import {drainShuffled, shuffleBuffered} from "./shuffle-buffered.js";

/** A record rendered to its training string, waiting to be tokenized. */
export interface Rendered {
  readonly kind: "rendered";
  readonly text: string;
  readonly promptLength: number;
  readonly promptType: string;
  readonly source: SourceRef;
}

/** A record that will be counted as dropped, kept in the stream so drops are counted in input order. */
export interface Dropped {
  readonly kind: "problem";
  readonly reason: DropReason;
  readonly detail: string;
  readonly source: SourceRef;
}

export type WorkItem = Rendered | Dropped;

export interface WorkItemOptions {
  readonly files: readonly InputFile[];
  readonly sources: FieldSources;
  readonly renderDefaults: RenderDefaults;
  /** Counts records read and bytes consumed; gets a warning for each renamed column no record has. */
  readonly collector: ReportCollector;
  readonly maxRecordBytes: number;
  readonly signal?: AbortSignal;
  /** Shuffle rendered records through a buffer of `bufferSize` records, drawing from `random`. */
  readonly shuffle?: {readonly bufferSize: number; readonly random: () => number};
}

/** A tokenizer job: enough text to keep a worker busy for a while, few enough rows to keep memory small. */
const BATCH_CHARS = 128 * 1024;
const BATCH_ROWS = 1024;

/**
 * Reads, normalizes and renders records into batches for the tokenizer: each batch holds rendered records and the
 * problems found among them, in input order (rendered records in shuffled order under `shuffle`).
 */
export async function* workItemBatches(options: WorkItemOptions): AsyncGenerator<WorkItem[]> {
  const {collector, renderDefaults, shuffle} = options;
  const shuffleBuffer: Rendered[] = [];
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

  const reading = dataItemBatches({
    files: options.files,
    sources: options.sources,
    maxRecordBytes: options.maxRecordBytes,
    signal: options.signal,
    onBytes: (bytes) => (collector.bytes += bytes),
    onWarning: (message) => collector.warnings.push(message)
  });
  for await (const batch of reading) {
    const rendered: Rendered[] = [];
    for (const item of batch) {
      collector.read++;
      const result = "problem" in item ? item.problem : renderRecord(item.record, renderDefaults);
      if ("reason" in result) {
        const full = add({kind: "problem", reason: result.reason, detail: result.detail, source: item.source});
        if (full) yield full;
      } else rendered.push({kind: "rendered", ...result, source: item.source});
    }
    const ordered = shuffle == null ? rendered : shuffleBuffered(rendered, shuffle.bufferSize, shuffle.random, shuffleBuffer);
    for (const item of ordered) {
      const full = add(item);
      if (full) yield full;
    }
  }
  if (shuffle != null)
    for (const item of drainShuffled(shuffleBuffer, shuffle.random)) {
      const full = add(item);
      if (full) yield full;
    }
  if (items.length > 0) yield items;
}
