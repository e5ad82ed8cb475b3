import {createReadStream} from "node:fs";
import {Readable} from "node:stream";
import {parse, type CsvError} from "csv-parse";
import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer} from "hyparquet";
import {DocumentLoadError} from "../docs-errors.js";
import type {DatasetColumns, DocumentInput, LoadedDocument, LoadFailure, Loader} from "../document-types.js";

/** h2oGPT's wiki collection: a row's source is its url, else its title, else its id. */
const DEFAULT_SOURCE_COLUMNS = ["url", "title", "id"] as const;
const METADATA_COLUMNS = ["id", "url", "title"] as const;

/** A JSONL line longer than this is reported and skipped rather than held in memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export type DatasetFormat = "parquet" | "jsonl" | "csv" | "tsv" | "json";

/** One row of a tabular input, before it becomes a document. */
interface DatasetRow {
  readonly row: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Parquet files are datasets: one document per row, the text from the text column. */
export const datasetLoader: Loader = {
  formats: ["parquet"],
  async *load(input, context) {
    yield* datasetDocuments({
      input,
      format: "parquet",
      columns: context.dataset,
      signal: context.signal,
      reportFailure: (failure) => context.reportFailure(failure)
    });
  }
};

/**
 * Streams a dataset (h2oGPT's `wiki` collection: rows with id, url, title, text) as one document per row whose
 * text is the text column. When `input.path` is set the file is read from disk piece by piece (Parquet one row
 * group at a time), so a multi-GB dump never sits in memory whole. A row with empty text, or a JSONL line that is
 * not JSON, is reported and skipped; a file without the text column is refused naming the columns it has.
 * `json` is a parsed top-level array of objects (the JSON loader's datasets), read from `input.bytes`.
 */
export async function* datasetDocuments(options: {
  input: DocumentInput;
  format: DatasetFormat;
  columns: DatasetColumns;
  signal?: AbortSignal;
  reportFailure: (failure: LoadFailure) => void;
}): AsyncGenerator<LoadedDocument> {
  const {input, format, columns, signal, reportFailure} = options;
  const textColumn = columns.textColumn ?? "text";
  const sourceColumns = columns.sourceColumns ?? DEFAULT_SOURCE_COLUMNS;
  const checkColumns = (names: readonly string[]): void => {
    if (!names.includes(textColumn))
      throw new DocumentLoadError(input.source, `no column '${textColumn}' (columns: ${names.join(", ")}); choose one with --text_column`);
  };
  const wanted = [...new Set([textColumn, ...sourceColumns, ...METADATA_COLUMNS])];
  const rows =
    format === "parquet"
      ? parquetRows(input, wanted, checkColumns, signal)
      : format === "json"
        ? jsonArrayRows(input, checkColumns)
        : format === "jsonl"
          ? jsonlRows(input, checkColumns, reportFailure, signal)
          : csvDatasetRows(input, format === "tsv" ? "\t" : ",", checkColumns, signal);

  let rowCount = 0;
  let documentCount = 0;
  for await (const {row, values} of rows) {
    rowCount++;
    const text = cellText(values[textColumn]);
    if (text.trim() === "") {
      reportFailure({source: `${input.source}#row=${row}`, reason: "empty text"});
      continue;
    }
    const metadata: Record<string, string | number> = {};
    for (const column of METADATA_COLUMNS) {
      const value = cellText(values[column]);
      if (value !== "") metadata[column] = value;
    }
    metadata.row = row;
    const source = sourceColumns.map((column) => cellText(values[column]).trim()).find((value) => value !== "");
    const title = cellText(values.title).trim();
    documentCount++;
    yield {
      source: source ?? `${input.source}#row=${row}`,
      format,
      ...(title === "" ? {} : {title}),
      metadata,
      segments: [{text}]
    };
  }
  if (rowCount === 0) throw new DocumentLoadError(input.source, "empty: the dataset has no readable rows");
  if (documentCount === 0) throw new DocumentLoadError(input.source, `no text found: every row's '${textColumn}' is empty`);
}

/**
 * The lines of an input, read from `input.path` in 1 MB pieces when set (else from `input.bytes`), without a
 * UTF-8 BOM or CR line ends. Blank lines are counted but not yielded; a line past 16 MB comes back as `tooLong`.
 */
export async function* inputLines(
  input: DocumentInput,
  signal?: AbortSignal
): AsyncGenerator<{readonly line: number; readonly text: string} | {readonly line: number; readonly tooLong: true}> {
  let line = 0;
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let tooLong = false;
  let first = true;
  const finish = (last: Buffer): {readonly line: number; readonly text: string} | {readonly line: number; readonly tooLong: true} | undefined => {
    line++;
    const overLimit = tooLong;
    const bytes = overLimit ? last : pieces.length === 0 ? last : Buffer.concat([...pieces, last]);
    pieces = [];
    pieceBytes = 0;
    tooLong = false;
    if (overLimit) return {line, tooLong: true};
    const text = bytes.toString("utf8").replace(/\r$/, "");
    return text.trim() === "" ? undefined : {line, text};
  };
  for await (const raw of inputChunks(input)) {
    signal?.throwIfAborted();
    let chunk = raw;
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (pieceBytes + (end - start) > MAX_LINE_BYTES) tooLong = true;
      const result = finish(chunk.subarray(start, end));
      if (result != null) yield result;
      start = end + 1;
    }
    if (start < chunk.length && !tooLong) {
      pieceBytes += chunk.length - start;
      // Copied so the 1 MB chunk is not kept alive by a short tail; past the limit the line is only counted.
      if (pieceBytes > MAX_LINE_BYTES) {
        tooLong = true;
        pieces = [];
      } else pieces.push(Buffer.from(chunk.subarray(start)));
    }
  }
  if (pieceBytes > 0 || tooLong) {
    const result = finish(Buffer.alloc(0));
    if (result != null) yield result;
  }
}

/**
 * Streams a CSV or TSV input as rows of cells under its header row (the first record), numbered from 1 after the
 * header. Quoted fields may hold delimiters and newlines; rows may have more or fewer cells than the header. A
 * malformed file is refused naming the line.
 */
export async function* csvRows(
  input: DocumentInput,
  delimiter: "," | "\t",
  signal?: AbortSignal
): AsyncGenerator<{readonly header: readonly string[]; readonly cells: readonly string[]; readonly row: number}> {
  // Where the last whole record ended, tracked as it is parsed: an unclosed quote is reported at the line after it.
  let lastLine = 0;
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    on_record: (record: string[], context) => {
      lastLine = context.lines;
      return record;
    }
  });
  const source = Readable.from(inputChunks(input));
  source.on("error", (error) => parser.destroy(error));
  source.pipe(parser);
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      signal?.throwIfAborted();
      if (header == null) {
        header = record.map((cell) => cell.trim());
        continue;
      }
      row++;
      yield {header, cells: record, row};
    }
  } catch (error) {
    if (error instanceof DocumentLoadError || signal?.aborted) throw error;
    const csvError = error as CsvError & {lines?: number};
    const kind = delimiter === "\t" ? "TSV" : "CSV";
    if (csvError.code === "CSV_QUOTE_NOT_CLOSED")
      throw new DocumentLoadError(input.source, `malformed ${kind} at line ${lastLine + 1}: a quote is never closed`, {cause: error});
    if (typeof csvError.code === "string" && csvError.code.startsWith("CSV_")) {
      const detail = csvError.message.replace(/ at line \d+.*$/s, "").replace(/^Invalid Record Length: /, "");
      throw new DocumentLoadError(input.source, `malformed ${kind} at line ${csvError.lines ?? lastLine + 1}: ${detail}`, {cause: error});
    }
    throw new DocumentLoadError(input.source, `cannot read the file: ${(error as Error).message}`, {cause: error});
  } finally {
    source.destroy();
  }
}

/** The file when there is one (read in 1 MB pieces), else the bytes in hand. */
async function* inputChunks(input: DocumentInput): AsyncGenerator<Buffer> {
  if (input.path == null) {
    yield Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    return;
  }
  try {
    for await (const chunk of createReadStream(input.path, {highWaterMark: READ_CHUNK_BYTES})) yield chunk as Buffer;
  } catch (error) {
    throw new DocumentLoadError(input.source, `cannot read the file: ${(error as Error).message}`, {cause: error});
  }
}

/** A cell as text: strings as they are, numbers and big integers in decimal, other values as compact JSON. */
function cellText(value: unknown): string {
  if (value == null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner));
}

async function* parquetRows(
  input: DocumentInput,
  wanted: readonly string[],
  checkColumns: (names: readonly string[]) => void,
  signal?: AbortSignal
): AsyncGenerator<DatasetRow> {
  let file: AsyncBuffer;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file =
      input.path != null
        ? await asyncBufferFromFile(input.path)
        : (input.bytes.buffer.slice(input.bytes.byteOffset, input.bytes.byteOffset + input.bytes.byteLength) as ArrayBuffer);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new DocumentLoadError(input.source, `not a readable Parquet file: ${(error as Error).message}`, {cause: error});
  }
  const names = parquetSchema(metadata).children.map((child) => child.element.name);
  checkColumns(names);
  const columns = wanted.filter((name) => names.includes(name));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    signal?.throwIfAborted();
    const rowEnd = rowStart + Number(group.num_rows);
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({file, metadata, columns, rowStart, rowEnd});
    } catch (error) {
      throw new DocumentLoadError(input.source, `rows ${rowStart + 1}-${rowEnd} cannot be decoded: ${(error as Error).message}`, {cause: error});
    }
    for (let i = 0; i < objects.length; i++) yield {row: rowStart + i + 1, values: objects[i]!};
    rowStart = rowEnd;
  }
}

async function* jsonlRows(
  input: DocumentInput,
  checkColumns: (names: readonly string[]) => void,
  reportFailure: (failure: LoadFailure) => void,
  signal?: AbortSignal
): AsyncGenerator<DatasetRow> {
  let checked = false;
  for await (const entry of inputLines(input, signal)) {
    const source = `${input.source}#line=${entry.line}`;
    if ("tooLong" in entry) {
      reportFailure({source, reason: `line is over ${MAX_LINE_BYTES / 1024 / 1024} MB`});
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(entry.text);
    } catch (error) {
      reportFailure({source, reason: `invalid JSON: ${(error as Error).message.replace(/, ".*" is not valid JSON$/s, "")}`});
      continue;
    }
    if (value == null || typeof value !== "object" || Array.isArray(value)) {
      reportFailure({source, reason: "not a JSON object"});
      continue;
    }
    if (!checked) {
      checkColumns(Object.keys(value));
      checked = true;
    }
    yield {row: entry.line, values: value as Record<string, unknown>};
  }
}

async function* jsonArrayRows(input: DocumentInput, checkColumns: (names: readonly string[]) => void): AsyncGenerator<DatasetRow> {
  let items: unknown;
  try {
    items = JSON.parse(Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength).toString("utf8").replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new DocumentLoadError(input.source, `invalid JSON: ${(error as Error).message}`, {cause: error});
  }
  if (!Array.isArray(items)) throw new DocumentLoadError(input.source, "a JSON dataset must be an array of objects");
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const values = item != null && typeof item === "object" && !Array.isArray(item) ? (item as Record<string, unknown>) : {};
    if (i === 0) checkColumns(Object.keys(values));
    yield {row: i + 1, values};
  }
}

async function* csvDatasetRows(
  input: DocumentInput,
  delimiter: "," | "\t",
  checkColumns: (names: readonly string[]) => void,
  signal?: AbortSignal
): AsyncGenerator<DatasetRow> {
  let checked = false;
  for await (const {header, cells, row} of csvRows(input, delimiter, signal)) {
    if (!checked) {
      checkColumns(header);
      checked = true;
    }
    const values: Record<string, string> = {};
    for (let i = 0; i < header.length && i < cells.length; i++) if (header[i] !== "") values[header[i]!] = cells[i]!;
    yield {row, values};
  }
}
