import {isUtf8} from "node:buffer";
import {problem, type RawItem} from "./record-types.js";
import type {InputFile} from "./input-files.js";
import type {ReaderOptions} from "./reader-options.js";
import {readBytes} from "./read-bytes.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Streams a JSON array (`[{...}, {...}]`) element by element without parsing the whole file: a byte scanner
 * finds each top-level element (JSON's structural characters are ASCII, so scanning UTF-8 bytes is safe), and
 * only that element is decoded and parsed, so memory holds one element at a time. Records are numbered by
 * element (1-based). A malformed element is a problem and scanning resumes at the next top-level comma; an
 * unterminated array or string ends the file with a problem.
 */
export async function* readJsonArray(file: InputFile, options: ReaderOptions): AsyncGenerator<RawItem[]> {
  const scanner = new ArrayScanner(file.path, options);
  let first = true;
  for await (let chunk of readBytes(file, options)) {
    if (first) {
      first = false;
      if (chunk.subarray(0, 3).equals(UTF8_BOM)) chunk = chunk.subarray(3);
    }
    const items = scanner.push(chunk);
    if (items.length > 0) yield items;
  }
  const items = scanner.end();
  if (items.length > 0) yield items;
}

/** before '[' -> between elements -> inside an element -> after ']' */
type State = "start" | "between" | "element" | "done";

class ArrayScanner {
  private state: State = "start";
  /** True after '[' or ',' (an element must come next); a missing comma makes one element that fails to parse. */
  private expectElement = true;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private oversized = false;
  private reportedTrailing = false;

  constructor(
    private readonly path: string,
    private readonly options: ReaderOptions
  ) {}

  push(chunk: Buffer): RawItem[] {
    const items: RawItem[] = [];
    let elementStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.state === "element") {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (byte === BACKSLASH) this.escaped = true;
          else if (byte === QUOTE) this.inString = false;
        } else if (byte === QUOTE) this.inString = true;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
        else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && this.depth > 0) this.depth--;
        else if ((byte === COMMA || byte === CLOSE_BRACKET) && this.depth === 0) {
          this.finishElement(chunk.subarray(elementStart, i), items);
          this.state = byte === COMMA ? "between" : "done";
          this.expectElement = byte === COMMA;
        }
      } else if (isSpace(byte)) {
        continue;
      } else if (this.state === "between") {
        if (byte === COMMA || byte === CLOSE_BRACKET) {
          if (this.expectElement && (byte === COMMA || this.options.position.line > 0))
            items.push(this.problemAtNext(byte === COMMA ? "empty element (two commas in a row?)" : "empty element before ']' (a trailing comma?)"));
          if (byte === CLOSE_BRACKET) this.state = "done";
          this.expectElement = true;
        } else {
          this.state = "element";
          this.depth = 0;
          elementStart = i--;
        }
      } else if (this.state === "start") {
        if (byte !== OPEN_BRACKET) {
          items.push(this.problemAtNext("a JSON array file must start with '['"));
          this.state = "done";
          this.reportedTrailing = true;
          return items;
        }
        this.state = "between";
      } else if (!this.reportedTrailing) {
        this.reportedTrailing = true;
        items.push(this.problemAtNext("text after the closing ']' of the array"));
      }
    }
    if (this.state === "element") this.keep(chunk.subarray(elementStart));
    return items;
  }

  end(): RawItem[] {
    if (this.state === "done" || this.state === "start") return [];
    const what = this.inString ? "a string is not closed" : "the array is not closed with ']'";
    this.state = "done";
    return [this.problemAtNext(`end of file inside the array: ${what}`)];
  }

  private problemAtNext(detail: string): RawItem {
    this.options.position.line++;
    return problem("malformed_json", detail, {file: this.path, line: this.options.position.line});
  }

  private keep(bytes: Buffer): void {
    if (this.oversized) return;
    if (this.pieceBytes + bytes.length > this.options.maxRecordBytes) {
      this.oversized = true;
      this.pieces = [];
      this.pieceBytes = 0;
      return;
    }
    // Copied so the large read chunk is not kept alive by a small tail.
    this.pieces.push(Buffer.from(bytes));
    this.pieceBytes += bytes.length;
  }

  private finishElement(last: Buffer, items: RawItem[]): void {
    this.options.position.line++;
    const source = {file: this.path, line: this.options.position.line};
    const {maxRecordBytes} = this.options;
    if (this.oversized || this.pieceBytes + last.length > maxRecordBytes) {
      items.push(problem("record_too_large", `element is over ${maxRecordBytes} bytes`, source));
    } else {
      const bytes = this.pieces.length === 0 ? last : Buffer.concat([...this.pieces, last]);
      if (!isUtf8(bytes)) items.push(problem("invalid_utf8", "the element is not valid UTF-8", source));
      else {
        try {
          items.push({kind: "record", value: JSON.parse(bytes.toString("utf8")), source});
        } catch (error) {
          items.push(problem("malformed_json", (error as Error).message, source));
        }
      }
    }
    this.pieces = [];
    this.pieceBytes = 0;
    this.oversized = false;
    this.inString = false;
    this.escaped = false;
  }
}
