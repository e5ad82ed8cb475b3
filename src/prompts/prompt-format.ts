import {customPromptType, type PromptDict} from "./custom-prompt-type.js";
import {datePreamble} from "./date-preamble.js";
import {PromptDictError} from "./prompt-errors.js";
import type {PromptTypeRow} from "./prompt-type-row.js";
import {resolvePromptType} from "./resolve-prompt-type.js";

/** How a prompt is formatted: the options every rendering function shares. */
export interface PromptFormatOptions {
  /** Name, number or number as a string (see resolvePromptType). */
  readonly promptType: string | number;
  /** For `custom`: h2oGPT's prompt_dict (JSON, Python-dict text, or an object). Ignored by other types. */
  readonly promptDict?: PromptDict;
  /**
   * `auto` (the default, also undefined, null and 'None') = the type's default system prompt, or none;
   * `''` = none; any other text = that text.
   */
  readonly systemPrompt?: string | null;
  /** The moment human_bot_orig's date lines show (default: now). */
  readonly now?: Date;
  /** The IANA time zone of those lines (default: the machine's). */
  readonly timeZone?: string;
}

/** A resolved format: the type's row (built from prompt_dict for custom), the effective system prompt. */
export interface PromptFormat {
  readonly row: PromptTypeRow;
  readonly systemPrompt: string;
  /** human_bot_orig's date lines, already formatted. */
  readonly date: string;
}

const AUTO = new Set<string | null | undefined>([undefined, null, "auto", "None"]);

/** The effective system prompt: h2oGPT's None/'None'/'auto' handling. */
export function effectiveSystemPrompt(row: PromptTypeRow, systemPrompt: string | null | undefined): string {
  return AUTO.has(systemPrompt) ? (row.defaultSystemPrompt ?? "") : systemPrompt!;
}

export function promptFormat(options: PromptFormatOptions): PromptFormat {
  let row = resolvePromptType(options.promptType);
  if (row.name === "custom") {
    if (options.promptDict == null) throw new PromptDictError("", "prompt_type custom needs a prompt_dict");
    row = customPromptType(options.promptDict);
  }
  return {
    row,
    systemPrompt: effectiveSystemPrompt(row, options.systemPrompt),
    date: row.name === "human_bot_orig" ? datePreamble(options.now ?? new Date(), options.timeZone) : ""
  };
}
