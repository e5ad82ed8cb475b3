/**
 * Training-data preparation: records (JSON Lines, JSON arrays, CSV/TSV, Parquet) -> h2oGPT training strings ->
 * tokenized, labeled rows with a per-reason drop report. `prepare` streams rows for a trainer;
 * `prepareToDirectory` writes train/valid files and report.json.
 */
export {prepare, type PreparedRow, type PreparedRows} from "./prepare.js";
export {EXCESS_LENGTH_STRATEGIES, type ExcessLengthStrategy, type PrepareOptions, type PrepareProgress} from "./prepare-options.js";
export {prepareToDirectory, PrepareInterruptedError} from "./prepare-to-directory.js";
export type {PrepareToDirectoryOptions, PreparedFiles} from "./prepare-to-directory.js";
export type {PrepareReport, LengthStats} from "./prepare-report.js";
export {formatReport} from "./format-report.js";
export {DROP_REASONS, type DropReason} from "./drop-reasons.js";
export {RecordError, ExcessLengthError} from "./data-errors.js";
export {OUTPUT_FORMATS, rowToJson, type OutputFormat} from "./row-writers.js";
export type {SourceRef} from "./record-types.js";
export {readRawRecords, type RawDataRecord} from "./read-raw-records.js";
export {readDataRecords, type DataItem, type DataProblem, type DataRecord, type NormalizedRecord, type ReadDataRecordsOptions} from "./read-data-records.js";
