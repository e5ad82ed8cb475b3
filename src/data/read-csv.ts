import {isUtf8} from "node:buffer";
import {Readable} from "node:stream";
import {parse, type CsvError} from "csv-parse";
import {problem, type RawItem, type SourceRef} from "./record-types.js";
import type {InputFile} from "./input-files.js";
import type {ReaderOptions} from "./reader-options.js";
import {readBytes} from "./read-bytes.js";

type ParserOutput =
  | {readonly record: Buffer[]; readonly info: {readonly lines: number; readonly empty_lines: number}}
  | {readonly skipped: CsvError & {lines?: number}};

const BATCH = 256;

/**
 * Streams a CSV (or TSV) file with a header row as row objects keyed by the header; every value is a string
 * (empty for an empty cell). Rows are numbered by the line they start on (the header is line 1). A row with the
 * wrong number of cells, a quote left open, or bytes that are not UTF-8 is a problem naming its line. Stray
 * quotes inside a cell are kept as text (`relax_quotes`), because strict parsing would swallow the rows after it.
 */
export async function* readCsv(file: InputFile, options: ReaderOptions): AsyncGenerator<RawItem[]> {
  const parser = parse({
    delimiter: file.format === "tsv" ? "\t" : ",",
    encoding: null,
    info: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: options.maxRecordBytes
  });
  // Skipped rows are pushed into the parser's own output so they stay in file order with the good rows.
  parser.on("skip", (error: CsvError) => parser.push({skipped: error}));
  // The BOM is stripped here: csv-parse's own `bom` option switches it to decoding text, hiding bad UTF-8.
  const input = Readable.from(withoutBom(readBytes(file, options)));
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);

  let header: string[] | undefined;
  let lastEnd = 0;
  let lastEmpty = 0;
  let items: RawItem[] = [];
  for await (const output of parser as AsyncIterable<ParserOutput>) {
    if ("skipped" in output) {
      const line = output.skipped.lines ?? lastEnd + 1;
      lastEnd = line;
      options.position.line = line;
      const reason = output.skipped.code === "CSV_MAX_RECORD_SIZE" ? "record_too_large" : "malformed_csv";
      items.push(problem(reason, output.skipped.message.replace(/ at line \d+.*$/s, ""), {file: file.path, line}));
    } else {
      const start = lastEnd + 1 + (output.info.empty_lines - lastEmpty);
      lastEnd = output.info.lines;
      lastEmpty = output.info.empty_lines;
      options.position.line = start;
      if (header == null) header = output.record.map((cell) => cell.toString("utf8").trim());
      else items.push(toItem(output.record, header, {file: file.path, line: start}));
    }
    if (items.length >= BATCH) {
      yield items;
      items = [];
    }
  }
  if (items.length > 0) yield items;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function* withoutBom(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of chunks) {
    yield first && chunk.subarray(0, 3).equals(UTF8_BOM) ? chunk.subarray(3) : chunk;
    first = false;
  }
}

function toItem(cells: readonly Buffer[], header: readonly string[], source: SourceRef): RawItem {
  const value: Record<string, string> = {};
  for (let i = 0; i < cells.length; i++) {
    const name = header[i];
    if (name == null || name === "") continue;
    if (!isUtf8(cells[i]!)) return problem("invalid_utf8", `column '${name}' is not valid UTF-8`, source);
    value[name] = cells[i]!.toString("utf8");
  }
  return {kind: "record", value, source};
}
