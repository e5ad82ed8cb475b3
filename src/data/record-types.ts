import type {DropReason} from "./drop-reasons.js";

/**
 * Where a record came from. `line` is 1-based: the line number for JSON Lines, the line a CSV row starts on
 * (the header is line 1), and the element / row number for JSON arrays and Parquet files.
 */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** A problem found in the input: counted under `reason`, with a short human-readable `detail`. */
export interface RecordProblem {
  readonly kind: "problem";
  readonly reason: DropReason;
  readonly detail: string;
  readonly source: SourceRef;
}

/** One decoded record as the file holds it (a parsed JSON value, or a CSV / Parquet row object). */
export interface RawRecord {
  readonly kind: "record";
  readonly value: unknown;
  readonly source: SourceRef;
}

export type RawItem = RawRecord | RecordProblem;

export function problem(reason: DropReason, detail: string, source: SourceRef): RecordProblem {
  return {kind: "problem", reason, detail, source};
}

export function formatSource(source: SourceRef): string {
  return `${source.file}:${source.line}`;
}
