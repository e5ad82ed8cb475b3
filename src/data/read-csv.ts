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
    // No max_record_size: csv-parse abandons the rest of its input after that error; the size is checked per row.
    skip_records_with_error: true
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
      const {code, lines, message} = output.skipped;
      const end = lines ?? lastEnd + 1;
      // An unclosed quote runs to the end of the file: name the line where the broken row starts.
      const line = code === "CSV_QUOTE_NOT_CLOSED" ? lastEnd + 1 : end;
      const detail =
        code === "CSV_QUOTE_NOT_CLOSED" ? `a quote in this row is never closed, so lines ${line}-${end} are one broken row` : message.replace(/ at line \d+.*$/s, "");
      lastEnd = end;
      options.position.line = line;
      items.push(problem("malformed_csv", detail, {file: file.path, line}));
    } else {
      const start = lastEnd + 1 + (output.info.empty_lines - lastEmpty);
      lastEnd = output.info.lines;
      lastEmpty = output.info.empty_lines;
      options.position.line = start;
      if (header == null) header = output.record.map((cell) => cell.toString("utf8").trim());
      else items.push(toItem(output.record, header, {file: file.path, line: start}, options.maxRecordBytes));
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

function toItem(cells: readonly Buffer[], header: readonly string[], source: SourceRef, maxRecordBytes: number): RawItem {
  const bytes = cells.reduce((sum, cell) => sum + cell.length, 0);
  if (bytes > maxRecordBytes) return problem("record_too_large", `row is over ${maxRecordBytes} bytes`, source);
  const value: Record<string, string> = {};
  for (let i = 0; i < cells.length; i++) {
    const name = header[i];
    if (name == null || name === "") continue;
    if (!isUtf8(cells[i]!)) return problem("invalid_utf8", `column '${name}' is not valid UTF-8`, source);
    value[name] = cells[i]!.toString("utf8");
  }
  return {kind: "record", value, source};
}
