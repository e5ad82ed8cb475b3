import type {InputFile, InputFormat} from "./input-files.js";
import {problem, type RawItem} from "./record-types.js";
import type {ReaderOptions} from "./reader-options.js";
import {readCsv} from "./read-csv.js";
import {readJsonArray} from "./read-json-array.js";
import {readJsonLines} from "./read-json-lines.js";
import {readParquet} from "./read-parquet.js";
import {readBytes} from "./read-bytes.js";

type Reader = (file: InputFile, options: ReaderOptions) => AsyncIterable<RawItem[]>;

const READERS: Readonly<Record<InputFormat, Reader>> = {
  jsonl: readJsonLines,
  json: readJsonArray,
  csv: readCsv,
  tsv: readCsv,
  parquet: readParquet
};

export interface ReadRecordsOptions {
  readonly maxRecordBytes: number;
  readonly signal?: AbortSignal;
  readonly onBytes?: (bytes: number) => void;
}

/**
 * Reads every file in order, as batches of records and problems in file order. A file that fails part way
 * (a corrupt .gz, a bad Parquet footer, an I/O error) becomes one `unreadable_file` problem at the record where
 * it failed, and reading goes on with the next file.
 */
export async function* readRecords(files: readonly InputFile[], options: ReadRecordsOptions): AsyncGenerator<RawItem[]> {
  for (const file of files) {
    const position = {line: 0};
    try {
      const format = file.format === "json" ? await sniffJson(file, options) : file.format;
      yield* READERS[format](file, {...options, position});
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const detail = `cannot read the rest of the file: ${(error as Error).message}`;
      yield [problem("unreadable_file", detail, {file: file.path, line: position.line + 1})];
    }
  }
}

/** A `.json` file holds an array when its first non-blank character is '['; otherwise it is read as JSON Lines. */
async function sniffJson(file: InputFile, options: ReadRecordsOptions): Promise<"json" | "jsonl"> {
  for await (const chunk of readBytes(file, {signal: options.signal})) {
    const text = chunk.subarray(0, 4096).toString("utf8").replace(/^\ufeff/, "").trimStart();
    if (text.length > 0) return text.startsWith("[") ? "json" : "jsonl";
  }
  return "jsonl";
}
