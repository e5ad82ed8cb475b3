import type {ReadBytesOptions} from "./read-bytes.js";

export interface ReaderOptions extends ReadBytesOptions {
  /** A record (line, array element, CSV row) longer than this is counted as `record_too_large` (JSON is not even buffered). */
  readonly maxRecordBytes: number;
  /** Updated by the reader with the last record number it finished, so a failure can name where it happened. */
  readonly position: {line: number};
}
