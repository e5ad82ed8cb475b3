import {parseDictLiteral} from "../../util/parse-dict-literal.js";

/**
 * Checks a prompt_dict as the CLI's `--prompt_dict` is checked (src/prompts/custom-prompt-type.ts, which the
 * browser bundle cannot import whole): JSON or a Python dict literal (the same parser), only h2oGPT's keys,
 * strings or None for the text fields, a list of non-empty strings for terminate_response. Messages read as the
 * CLI's. prompt-dict.test.ts keeps the two in step.
 */

const TEXT_FIELDS = ["promptA", "promptB", "PreInstruct", "PreInput", "PreResponse", "humanstr", "botstr", "chat_sep", "chat_turn_sep"];
const IGNORED_FIELDS = ["generates_leading_space", "system_prompt", "can_handle_system_prompt"];

/** Null when `text` is a prompt_dict the custom prompt type takes, else why not. */
export function promptDictProblem(text: string): string | null {
  let dict: Record<string, unknown>;
  try {
    dict = parseDictLiteral(text, "prompt_dict");
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  for (const key of Object.keys(dict)) {
    if (!TEXT_FIELDS.includes(key) && key !== "terminate_response" && !IGNORED_FIELDS.includes(key))
      return `prompt_dict.${key}: is not one of h2oGPT's prompt_dict fields`;
  }
  for (const key of TEXT_FIELDS) {
    if (!(key in dict)) continue;
    const value = dict[key];
    if (value !== null && typeof value !== "string") return `prompt_dict.${key}: expected a string or None, got ${JSON.stringify(value)}`;
  }
  const terminate = dict.terminate_response;
  if (terminate != null) {
    if (!Array.isArray(terminate)) return "prompt_dict.terminate_response: expected a list of strings";
    for (const [i, item] of terminate.entries()) {
      if (typeof item !== "string") return `prompt_dict.terminate_response[${i}]: expected a string`;
      if (item === "") return `prompt_dict.terminate_response[${i}]: is empty`;
    }
  }
  return null;
}
