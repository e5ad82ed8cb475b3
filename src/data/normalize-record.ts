import type {DropReason} from "./drop-reasons.js";
import type {FieldSources, RecordField} from "./data-col-dict.js";

interface RecordOverrides {
  /** The record's own prompt_type (a name, or h2oGPT's enum number), when it has one. */
  readonly promptType?: string | number;
  readonly promptDict?: string | Readonly<Record<string, unknown>>;
  readonly systemPrompt?: string;
}

export interface InstructionRecord extends RecordOverrides {
  readonly kind: "instruction";
  readonly instruction: string;
  readonly input: string;
  readonly output: string;
  readonly context: string;
}

export interface ConversationRecord extends RecordOverrides {
  readonly kind: "conversation";
  /** OpenAI `messages` ([{role, content}]) or ShareGPT `conversations` ([{from, value}]), as given. */
  readonly turns: readonly unknown[];
  /** The column the turns came from, for error messages (`conversations[3].from`). */
  readonly field: string;
}

export interface TextRecord {
  readonly kind: "text";
  readonly text: string;
}

export type NormalizedRecord = InstructionRecord | ConversationRecord | TextRecord;

export interface FieldProblem {
  readonly kind: "problem";
  readonly reason: DropReason;
  readonly detail: string;
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? "a list" : value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function wrongType(field: RecordField, column: string, value: unknown, expected: string): FieldProblem {
  const named = column === field ? `'${field}'` : `'${column}' (read as ${field})`;
  return {kind: "problem", reason: "wrong_field_type", detail: `field ${named} is ${typeName(value)}, expected ${expected}`};
}

/**
 * Turns one decoded record into the shape prepare renders, or a problem naming the field. Missing, null and
 * empty-string fields count as absent. What a record is: `messages` / `conversations` make a conversation;
 * otherwise any of instruction / input / output / context makes an instruction record; otherwise `text` is used
 * as it is. A record with none of them is `empty_record`.
 */
export function normalizeRecord(value: unknown, sources: FieldSources): NormalizedRecord | FieldProblem {
  if (value == null || typeof value !== "object" || Array.isArray(value))
    return {kind: "problem", reason: "not_an_object", detail: `the record is ${typeName(value)}, expected an object`};
  const record = value as Record<string, unknown>;
  let failure: FieldProblem | undefined;

  const read = (field: RecordField): unknown => {
    const column = sources[field];
    const raw = column == null ? undefined : record[column];
    return raw === null || raw === "" ? undefined : raw;
  };
  const text = (field: RecordField): string => {
    const raw = read(field);
    if (raw === undefined || typeof raw === "string") return raw ?? "";
    failure ??= wrongType(field, sources[field]!, raw, "a string");
    return "";
  };

  const overrides: {promptType?: string | number; promptDict?: string | Record<string, unknown>; systemPrompt?: string} = {};
  const promptType = read("prompt_type");
  if (typeof promptType === "string" || typeof promptType === "number") overrides.promptType = promptType;
  else if (typeof promptType === "bigint") overrides.promptType = Number(promptType);
  else if (promptType !== undefined) failure ??= wrongType("prompt_type", sources.prompt_type!, promptType, "a name or a number");
  const promptDict = read("prompt_dict");
  if (typeof promptDict === "string" || (typeof promptDict === "object" && promptDict != null && !Array.isArray(promptDict)))
    overrides.promptDict = promptDict as string | Record<string, unknown>;
  else if (promptDict !== undefined) failure ??= wrongType("prompt_dict", sources.prompt_dict!, promptDict, "a dict or a string");
  const systemPrompt = text("system_prompt");
  if (systemPrompt !== "") overrides.systemPrompt = systemPrompt;

  const conversationField = read("messages") !== undefined ? "messages" : read("conversations") !== undefined ? "conversations" : undefined;
  if (conversationField != null) {
    const turns = asList(read(conversationField));
    if (turns == null) return failure ?? wrongType(conversationField, sources[conversationField]!, read(conversationField), "a list of turns");
    return failure ?? {kind: "conversation", turns, field: sources[conversationField]!, ...overrides};
  }

  const fields = {instruction: text("instruction"), input: text("input"), output: text("output"), context: text("context")};
  const plain = text("text");
  if (failure != null) return failure;
  if (fields.instruction !== "" || fields.input !== "" || fields.output !== "" || fields.context !== "")
    return {kind: "instruction", ...fields, ...overrides};
  if (plain !== "") return {kind: "text", text: plain};
  return {kind: "problem", reason: "empty_record", detail: "no instruction, input, output, context, text, messages or conversations"};
}

/** A list of turns; CSV and some Parquet exports store it as a JSON string. */
function asList(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === "string" && value.trimStart().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
