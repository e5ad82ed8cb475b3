import {fieldSources, type FieldSources} from "./data-col-dict.js";
import type {DropReason} from "./drop-reasons.js";
import {listInputFiles, type InputFile} from "./input-files.js";
import {normalizeRecord, type NormalizedRecord} from "./normalize-record.js";
import {readRecords} from "./read-records.js";
import type {SourceRef} from "./record-types.js";

export type {ConversationRecord, InstructionRecord, NormalizedRecord, TextRecord} from "./normalize-record.js";

/** A record read and normalized: instruction/input/output, a conversation, or a `text` record. */
export interface DataRecord {
  readonly source: SourceRef;
  readonly record: NormalizedRecord;
}

/** A record that could not be used (malformed line, wrong field type, empty record...), with where it was. */
export interface DataProblem {
  readonly source: SourceRef;
  readonly problem: {readonly reason: DropReason; readonly detail: string};
}

export type DataItem = DataRecord | DataProblem;

/** A single record larger than this is a `record_too_large` problem and is never held in memory. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface DataItemBatchesOptions {
  readonly files: readonly InputFile[];
  readonly sources: FieldSources;
  readonly maxRecordBytes: number;
  readonly signal?: AbortSignal;
  /** Input bytes consumed (compressed bytes for .gz), as reading goes. */
  readonly onBytes?: (bytes: number) => void;
  /** Told, once reading is over, of each column `--data_col_dict` renames that no record has. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Reads the files in order as batches of normalized records and problems, in input order. Used by prepare (which
 * counts and renders them) and by readDataRecords.
 */
export async function* dataItemBatches(options: DataItemBatchesOptions): AsyncGenerator<DataItem[]> {
  const {sources} = options;
  const renamedColumns = Object.entries(sources).flatMap(([field, column]) => (column != null && column !== field ? [column] : []));
  const seenColumns = new Set<string>();
  const reading = readRecords(options.files, {maxRecordBytes: options.maxRecordBytes, signal: options.signal, onBytes: options.onBytes});
  for await (const raw of reading) {
    yield raw.map((item): DataItem => {
      if (item.kind === "problem") return {source: item.source, problem: {reason: item.reason, detail: item.detail}};
      if (renamedColumns.length > 0 && typeof item.value === "object" && item.value != null)
        for (const column of renamedColumns) if (column in item.value) seenColumns.add(column);
      const record = normalizeRecord(item.value, sources);
      return record.kind === "problem" ? {source: item.source, problem: {reason: record.reason, detail: record.detail}} : {source: item.source, record};
    });
  }
  for (const column of renamedColumns)
    if (!seenColumns.has(column)) options.onWarning?.(`--data_col_dict: no record has a column '${column}'`);
}

export interface ReadDataRecordsOptions {
  /** A file, a comma-separated list, an array, or a folder: JSON Lines, JSON arrays, CSV/TSV, Parquet (.gz too). */
  readonly dataPath: string | readonly string[];
  /** Column renames, `{'A': 'input'}` (JSON or h2oGPT's Python-dict spelling) or an object. */
  readonly dataColDict?: string | Readonly<Record<string, unknown>>;
  /** Relative data paths are resolved from here (and reported as given). */
  readonly cwd?: string;
  readonly maxRecordBytes?: number;
  readonly signal?: AbortSignal;
  /** Files in a folder that are not data, and renamed columns no record has. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Every record of `dataPath` in prepare's input formats, streamed one at a time: each is a normalized record or a
 * problem, both with their 1-based `source: {file, line}`, so nothing is skipped unseen. A bad `dataColDict` throws
 * a UsageError at the call; a missing path throws an InputFileError when iteration starts.
 */
export function readDataRecords(options: ReadDataRecordsOptions): AsyncIterable<DataItem> {
  const sources = fieldSources(options.dataColDict);
  return (async function* () {
    const {files, ignored} = await listInputFiles(options.dataPath, options.cwd);
    for (const path of ignored) options.onWarning?.(`${path}: not a data file, skipped`);
    const batches = dataItemBatches({
      files,
      sources,
      maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      signal: options.signal,
      onWarning: options.onWarning
    });
    for await (const batch of batches) yield* batch;
  })();
}
