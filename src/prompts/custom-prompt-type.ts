import {UsageError} from "../errors/index.js";
import {parseDictLiteral} from "../util/index.js";
import {PromptDictError} from "./prompt-errors.js";
import {PROMPT_TYPES_BY_NAME} from "./prompt-types.js";
import type {PromptTypeRow} from "./prompt-type-row.js";

/** A prompt_dict as JSON / Python-dict text, or already parsed. */
export type PromptDict = string | Readonly<Record<string, unknown>>;

const STRING_FIELDS = {
  promptA: "promptA",
  promptB: "promptB",
  PreInstruct: "preInstruct",
  PreInput: "preInput",
  PreResponse: "preResponse",
  humanstr: "humanstr",
  botstr: "botstr"
} as const;

const SEPARATOR_FIELDS = {chat_sep: "chatSep", chat_turn_sep: "chatTurnSep"} as const;

/** Keys h2oGPT writes into a prompt_dict it shows (get_prompt's return_dict) but ignores for custom. */
const IGNORED_FIELDS = new Set(["generates_leading_space", "system_prompt", "can_handle_system_prompt"]);

function parse(promptDict: PromptDict): Readonly<Record<string, unknown>> {
  if (typeof promptDict !== "string") return promptDict;
  try {
    return parseDictLiteral(promptDict, "prompt_dict");
  } catch (error) {
    if (error instanceof UsageError) throw new PromptDictError("", error.message.replace(/^prompt_dict: /, ""));
    throw error;
  }
}

function stringOrNull(dict: Readonly<Record<string, unknown>>, key: string, fallback: string): string | null {
  if (!(key in dict)) return fallback;
  const value = dict[key];
  if (value === null || typeof value === "string") return value;
  throw new PromptDictError(key, `expected a string or None, got ${JSON.stringify(value)}`);
}

function terminate(dict: Readonly<Record<string, unknown>>): readonly string[] {
  const value = dict.terminate_response;
  if (value == null) return [];
  if (!Array.isArray(value)) throw new PromptDictError("terminate_response", "expected a list of strings");
  value.forEach((item, i) => {
    if (typeof item !== "string") throw new PromptDictError(`terminate_response[${i}]`, "expected a string");
    // h2oGPT asserts the same: an empty stop string would end every response at once.
    if (item === "") throw new PromptDictError(`terminate_response[${i}]`, "is empty");
  });
  return value as string[];
}

const CACHE_LIMIT = 16;
/** Data preparation renders every row with the same prompt_dict text: parse it once. */
const byText = new Map<string, PromptTypeRow>();

/**
 * The `custom` prompt type from a prompt_dict with h2oGPT's field names and defaults (promptA/promptB/
 * PreInstruct/PreInput/PreResponse '', terminate_response None, chat_sep/chat_turn_sep '\n', humanstr/botstr '').
 * Unknown keys are rejected so a misspelt field is not silently ignored.
 */
export function customPromptType(promptDict: PromptDict): PromptTypeRow {
  if (typeof promptDict !== "string") return buildCustomRow(promptDict);
  let row = byText.get(promptDict);
  if (row == null) {
    row = buildCustomRow(promptDict);
    if (byText.size >= CACHE_LIMIT) byText.delete(byText.keys().next().value!);
    byText.set(promptDict, row);
  }
  return row;
}

function buildCustomRow(promptDict: PromptDict): PromptTypeRow {
  const dict = parse(promptDict);
  for (const key of Object.keys(dict)) {
    const known = key in STRING_FIELDS || key in SEPARATOR_FIELDS || key === "terminate_response" || IGNORED_FIELDS.has(key);
    if (!known) throw new PromptDictError(key, "is not one of h2oGPT's prompt_dict fields");
  }
  const base = PROMPT_TYPES_BY_NAME.get("custom")!;
  const strings = Object.fromEntries(
    Object.entries(STRING_FIELDS).map(([key, field]) => [field, stringOrNull(dict, key, "")])
  ) as Record<(typeof STRING_FIELDS)[keyof typeof STRING_FIELDS], string | null>;
  const separators = Object.fromEntries(
    Object.entries(SEPARATOR_FIELDS).map(([key, field]) => [field, stringOrNull(dict, key, "\n") ?? ""])
  ) as Record<(typeof SEPARATOR_FIELDS)[keyof typeof SEPARATOR_FIELDS], string>;
  return {...base, ...strings, ...separators, terminate: terminate(dict)};
}
