import {isUtf8} from "node:buffer";
import {problem, type RawItem, type SourceRef} from "./record-types.js";
import type {InputFile} from "./input-files.js";
import type {ReaderOptions} from "./reader-options.js";
import {readBytes} from "./read-bytes.js";

const NEWLINE = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Streams a JSON Lines file as batches of records (one batch per chunk read), in constant memory: only the
 * current line is held. Blank lines are skipped (they are not records); CRLF line ends and a leading UTF-8 BOM
 * are accepted. A line that is not valid UTF-8 or not valid JSON, or longer than `maxRecordBytes`, becomes a
 * problem naming its line; reading goes on with the next line.
 */
export async function* readJsonLines(file: InputFile, options: ReaderOptions): AsyncGenerator<RawItem[]> {
  const {position, maxRecordBytes} = options;
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let oversized = false;
  let first = true;

  const finishLine = (last: Buffer, items: RawItem[]): void => {
    position.line++;
    const source = {file: file.path, line: position.line};
    if (oversized) {
      items.push(problem("record_too_large", `line is over ${maxRecordBytes} bytes`, source));
    } else {
      const bytes = pieces.length === 0 ? last : Buffer.concat([...pieces, last]);
      const item = parseLine(bytes, source);
      if (item != null) items.push(item);
    }
    pieces = [];
    pieceBytes = 0;
    oversized = false;
  };

  for await (let chunk of readBytes(file, options)) {
    if (first) {
      first = false;
      if (chunk.subarray(0, 3).equals(UTF8_BOM)) chunk = chunk.subarray(3);
    }
    const items: RawItem[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (!oversized && pieceBytes + (end - start) > maxRecordBytes) oversized = true;
      finishLine(chunk.subarray(start, end), items);
      start = end + 1;
    }
    if (start < chunk.length && !oversized) {
      const rest = chunk.subarray(start);
      if (pieceBytes + rest.length > maxRecordBytes) {
        oversized = true;
        pieces = [];
        pieceBytes = 0;
      } else {
        // Copied so the 1 MB chunk is not kept alive by a small tail.
        pieces.push(Buffer.from(rest));
        pieceBytes += rest.length;
      }
    }
    if (items.length > 0) yield items;
  }
  if (pieceBytes > 0 || oversized) {
    const items: RawItem[] = [];
    finishLine(Buffer.alloc(0), items);
    if (items.length > 0) yield items;
  }
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

function parseLine(bytes: Buffer, source: SourceRef): RawItem | undefined {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  const line = bytes.subarray(0, end);
  if (isBlank(line)) return undefined;
  if (!isUtf8(line)) return problem("invalid_utf8", "the line is not valid UTF-8", source);
  try {
    return {kind: "record", value: JSON.parse(line.toString("utf8")), source};
  } catch (error) {
    return problem("malformed_json", (error as Error).message, source);
  }
}
