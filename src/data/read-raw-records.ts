import type {DataProblem} from "./read-data-records.js";
import {DEFAULT_MAX_RECORD_BYTES} from "./read-data-records.js";
import {listInputFiles} from "./input-files.js";
import {readRecords} from "./read-records.js";
import type {SourceRef} from "./record-types.js";

/** A record as the file holds it (a parsed JSON value, or a CSV / Parquet row object), not normalized. */
export interface RawDataRecord {
  readonly source: SourceRef;
  readonly value: unknown;
}

/**
 * Every record of `dataPath` in prepare's input formats, as decoded, for readers with their own fields (reward
 * pairs: prompt / chosen / rejected); unreadable lines are problems with their `{file, line}`.
 *
 * @example
 * for await (const item of readRawRecords({dataPath: "pairs.jsonl"})) if ("value" in item) console.log(item.value);
 */
export function readRawRecords(options: {
  readonly dataPath: string | readonly string[];
  readonly cwd?: string;
  readonly maxRecordBytes?: number;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
}): AsyncIterable<RawDataRecord | DataProblem> {
  return (async function* () {
    const {files, ignored} = await listInputFiles(options.dataPath, options.cwd);
    for (const path of ignored) options.onWarning?.(`${path}: not a data file, skipped`);
    const reading = readRecords(files, {maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, signal: options.signal});
    for await (const batch of reading)
      for (const item of batch)
        yield item.kind === "problem" ? {source: item.source, problem: {reason: item.reason, detail: item.detail}} : {source: item.source, value: item.value};
  })();
}
