import {DocumentLoadError} from "../docs-errors.js";
import type {DatasetColumns, DocumentInput, LoadContext, LoadedDocument, Loader} from "../document-types.js";
import {datasetDocuments, inputLines} from "./dataset-loader.js";

/**
 * JSON and JSON Lines files. A top-level array of objects gives one document per element (`key: value` lines,
 * nested values as compact JSON, source `file#item=N`); any other JSON value is one document, pretty-printed
 * (a string as it is). JSONL gives one document per non-blank line (`file#line=N`); a line that is not JSON is
 * reported and the others are kept. Rows with a text column (`--text_column`, else `text`) are a dataset instead.
 */
export const jsonLoader: Loader = {
  formats: ["json", "jsonl"],
  load(input, context) {
    return isJsonLines(input) ? loadJsonLines(input, context) : loadJson(input, context);
  }
};

async function* loadJson(input: DocumentInput, context: LoadContext): AsyncGenerator<LoadedDocument> {
  const text = new TextDecoder("utf-8").decode(input.bytes);
  if (text.trim() === "") throw new DocumentLoadError(input.source, "empty: the file has no text");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (isJsonLinesText(text)) {
      yield* loadJsonLines(input, context);
      return;
    }
    throw new DocumentLoadError(input.source, `invalid JSON${describePosition(text)}: ${cleanJsonMessage(error)}`, {cause: error});
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
    if (hasTextColumn(value[0], context.dataset)) {
      yield* datasetDocuments({...datasetOptions(input, context), format: "json"});
      return;
    }
    let documents = 0;
    for (let i = 0; i < value.length; i++) {
      const source = `${input.source}#item=${i + 1}`;
      const itemText = objectText(value[i]);
      if (itemText === "") {
        context.reportFailure({source, reason: "empty item"});
        continue;
      }
      documents++;
      yield {source, format: "json", metadata: {item: i + 1}, segments: [{text: itemText}]};
    }
    if (documents === 0) throw new DocumentLoadError(input.source, "no text found: every item of the array is empty");
    return;
  }
  const empty = emptyValue(value);
  if (empty != null) throw new DocumentLoadError(input.source, `no text found: the JSON is ${empty}`);
  const whole = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  yield {source: input.source, format: "json", segments: [{text: whole}]};
}

async function* loadJsonLines(input: DocumentInput, context: LoadContext): AsyncGenerator<LoadedDocument> {
  let lines = 0;
  let documents = 0;
  for await (const entry of inputLines(input, context.signal)) {
    const source = `${input.source}#line=${entry.line}`;
    lines++;
    if ("tooLong" in entry) {
      context.reportFailure({source, reason: "line is over 16 MB"});
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(entry.text);
    } catch (error) {
      context.reportFailure({source, reason: `invalid JSON: ${cleanJsonMessage(error)}`});
      continue;
    }
    // Whether the file is a dataset is decided by its first line, so no line is reported twice.
    if (lines === 1 && isPlainObject(value) && hasTextColumn(value, context.dataset)) {
      yield* datasetDocuments({...datasetOptions(input, context), format: "jsonl"});
      return;
    }
    const text = isPlainObject(value) ? objectText(value) : typeof value === "string" ? value : JSON.stringify(value);
    if (text.trim() === "") {
      context.reportFailure({source, reason: "empty line"});
      continue;
    }
    documents++;
    yield {source, format: "jsonl", metadata: {line: entry.line}, segments: [{text}]};
  }
  if (lines === 0) throw new DocumentLoadError(input.source, "empty: the file has no text");
  if (documents === 0) throw new DocumentLoadError(input.source, "no text found: no line holds a JSON value with text");
}

function datasetOptions(input: DocumentInput, context: LoadContext) {
  return {input, columns: context.dataset, signal: context.signal, reportFailure: context.reportFailure.bind(context)};
}

function isJsonLines(input: DocumentInput): boolean {
  return /\.(jsonl|ndjson|jsonlines)$/i.test(input.name);
}

/** JSON Lines under a name that does not say so: the first line is JSON on its own and more lines follow. */
function isJsonLinesText(text: string): boolean {
  const match = /^\s*(.+?)\r?\n\s*\S/s.exec(text.slice(0, 16 * 1024 * 1024));
  if (match == null) return false;
  try {
    JSON.parse(match[1]!);
    return true;
  } catch {
    return false;
  }
}

/** What a JSON value with nothing to read is ("an empty array"), or undefined when it has text. */
function emptyValue(value: unknown): string | undefined {
  if (value === null) return "null";
  if (typeof value === "string") return value.trim() === "" ? "an empty string" : undefined;
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : undefined;
  return isPlainObject(value) && Object.keys(value).length === 0 ? "an empty object" : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === "object" && !Array.isArray(value);
}

function hasTextColumn(value: Record<string, unknown>, dataset: DatasetColumns): boolean {
  return Object.hasOwn(value, dataset.textColumn ?? "text");
}

/** `key: value` lines; strings as they are, nested values as compact JSON, null as nothing. */
function objectText(value: Record<string, unknown>): string {
  const lines: string[] = [];
  let empty = true;
  for (const [key, inner] of Object.entries(value)) {
    const text = inner == null ? "" : typeof inner === "string" ? inner : JSON.stringify(inner);
    if (text.trim() !== "") empty = false;
    lines.push(`${key}: ${text}`);
  }
  return empty ? "" : lines.join("\n");
}

/** V8's message without the input it quotes (which can be long) or the offset, which the caller gives as line and column. */
function cleanJsonMessage(error: unknown): string {
  return (error as Error).message
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "")
    .replace(/ (?:in JSON )?at position \d+(?: \(line \d+ column \d+\))?$/, "")
    .slice(0, 200);
}

/** " at line L, column C" of the first character that breaks the JSON grammar (V8 does not always say where). */
function describePosition(text: string): string {
  let offset: number;
  try {
    offset = jsonErrorOffset(text);
  } catch {
    return "";
  }
  const before = text.slice(0, offset);
  const line = (before.match(/\n/g)?.length ?? 0) + 1;
  const column = offset - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}`;
}

const WHITESPACE = /[ \t\n\r]*/y;
const CONTROL = /[\u0000-\u001f]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL = /true|false|null/y;

/** Scans JSON that `JSON.parse` refused and returns where it goes wrong; iterative, so nesting cannot overflow. */
function jsonErrorOffset(text: string): number {
  let at = 0;
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) return false;
    at = pattern.lastIndex;
    return true;
  };
  // Strings are found with indexOf rather than a regex, which would backtrack once per escape in a long string.
  const string = (): boolean => {
    if (text[at] !== '"') return false;
    let from = at + 1;
    for (;;) {
      const quote = text.indexOf('"', from);
      if (quote === -1) return false;
      let backslashes = 0;
      while (text[quote - 1 - backslashes] === "\\") backslashes++;
      if (backslashes % 2 === 0) {
        const control = CONTROL.exec(text.slice(at, quote));
        if (control != null) {
          at += control.index;
          return false;
        }
        at = quote + 1;
        return true;
      }
      from = quote + 1;
    }
  };
  const key = (): boolean => {
    match(WHITESPACE);
    if (!string()) return false;
    match(WHITESPACE);
    if (text[at] !== ":") return false;
    at++;
    return true;
  };
  const open: string[] = [];
  let expectValue = true;
  for (;;) {
    match(WHITESPACE);
    if (expectValue) {
      const char = text[at];
      if (char === "[" || char === "{") {
        at++;
        match(WHITESPACE);
        if (text[at] === (char === "[" ? "]" : "}")) {
          at++;
          expectValue = false;
        } else {
          open.push(char);
          if (char === "{" && !key()) return at;
        }
        continue;
      }
      if (!(string() || match(NUMBER) || match(LITERAL))) return at;
      expectValue = false;
      continue;
    }
    const inside = open.at(-1);
    const char = text[at];
    if (inside == null) return at;
    if (char === ",") {
      at++;
      if (inside === "{" && !key()) return at;
      expectValue = true;
    } else if (char === (inside === "[" ? "]" : "}")) {
      at++;
      open.pop();
    } else return at;
  }
}
