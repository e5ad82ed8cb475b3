import {readFile} from "node:fs/promises";
import {ContextOverflowError, InputFileError, UsageError} from "../errors/index.js";
import {generate} from "./generate-stream.js";
import type {GenerateOptions} from "./generate-options.js";

/** One record to answer: h2oGPT's instruction/input, with the reference output when the data has one. */
export interface EvalRecord {
  /** 1-based line (JSON Lines) or array position (JSON array). */
  readonly line: number;
  readonly instruction: string;
  readonly input: string;
  readonly output?: string;
}

/** Per-record outcome, written as one JSON line with h2oGPT's snake_case names. */
export type EvalLine =
  | {
      readonly line: number;
      readonly instruction: string;
      readonly input: string;
      readonly output?: string;
      readonly prompt: string;
      readonly response: string;
      readonly prompt_tokens: number;
      readonly completion_tokens: number;
      readonly max_new_tokens: number;
      readonly stop_reason: string;
      readonly turns_dropped: number;
    }
  | {readonly line: number; readonly instruction: string; readonly input: string; readonly error: string};

function text(value: unknown): string {
  return value == null ? "" : typeof value === "string" ? value : JSON.stringify(value);
}

function toRecord(path: string, line: number, value: unknown, columns: Readonly<Record<string, string>>): EvalRecord {
  if (value == null || typeof value !== "object" || Array.isArray(value)) throw new InputFileError(path, `line ${line}: expected a JSON object`);
  const raw = value as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(raw)) row[columns[key] ?? key] = field;
  const instruction = text(row.instruction);
  const input = text(row.input);
  if (instruction === "" && input === "") throw new InputFileError(path, `line ${line}: no instruction or input`);
  return {line, instruction, input, ...(row.output == null ? {} : {output: text(row.output)})};
}

/**
 * Records from a JSON array or JSON Lines file (h2oGPT's instruction/input/output columns; `columns` renames
 * others onto them, like --data_col_dict). A malformed line is an InputFileError naming the file and line.
 */
export async function readEvalRecords(path: string, columns: Readonly<Record<string, string>> = {}): Promise<EvalRecord[]> {
  let content: string;
  try {
    content = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(path, code === "ENOENT" ? "file not found" : `cannot be read (${code ?? String(error)})`, {cause: error});
  }
  content = content.replace(/^\ufeff/, "");
  if (content.trimStart().startsWith("[")) {
    let items: unknown;
    try {
      items = JSON.parse(content);
    } catch (error) {
      throw new InputFileError(path, `not valid JSON (${(error as Error).message})`);
    }
    return (items as unknown[]).map((item, i) => toRecord(path, i + 1, item, columns));
  }
  const records: EvalRecord[] = [];
  content.split("\n").forEach((source, i) => {
    if (source.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new InputFileError(path, `line ${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    records.push(toRecord(path, i + 1, value, columns));
  });
  return records;
}

/**
 * Answers one record (h2oGPT's eval mode): a request-level failure such as a context overflow is recorded on the
 * line and the run goes on; anything else (the engine failing) is thrown.
 */
export async function evaluateRecord(record: EvalRecord, options: Omit<GenerateOptions, "instruction" | "iinput" | "history" | "messages" | "prompt">): Promise<EvalLine> {
  const base = {line: record.line, instruction: record.instruction, input: record.input};
  try {
    const result = await generate({...options, instruction: record.instruction, iinput: record.input});
    return {
      ...base,
      ...(record.output == null ? {} : {output: record.output}),
      prompt: result.promptRaw,
      response: result.response,
      prompt_tokens: result.promptTokens,
      completion_tokens: result.completionTokens,
      max_new_tokens: result.maxNewTokens,
      stop_reason: result.stopReason,
      turns_dropped: result.turnsDropped
    };
  } catch (error) {
    if (error instanceof ContextOverflowError || error instanceof UsageError) return {...base, error: error.message};
    throw error;
  }
}
