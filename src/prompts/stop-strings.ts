import {templateStopStrings, type ChatTemplate} from "./chat-template.js";
import {promptFormat, type PromptFormat, type PromptFormatOptions} from "./prompt-format.js";

/**
 * h2oGPT's Prompter.stop_sequences: the type's terminate strings and its response marker, non-empty and
 * without repeats (first-seen order; h2oGPT's order comes from a set), then `extra` (the tokenizer's eos...).
 */
export function formatStopStrings(format: PromptFormat, extra: readonly string[] = []): string[] {
  const all = [...format.row.terminate, format.row.preResponse, ...extra];
  return [...new Set(all.filter((text): text is string => text != null && text !== ""))];
}

export interface StopStringsOptions extends PromptFormatOptions {
  /** For unknown/template: the template's eos token and the end-of-turn markers it writes are added. */
  readonly chatTemplate?: ChatTemplate;
  /** More stop strings, e.g. the tokenizer's eos token text. */
  readonly extra?: readonly string[];
}

export function stopStrings(options: StopStringsOptions): string[] {
  const format = promptFormat(options);
  const fromTemplate = format.row.usesChatTemplate && options.chatTemplate != null ? templateStopStrings(options.chatTemplate) : [];
  return formatStopStrings(format, [...fromTemplate, ...(options.extra ?? [])]);
}

/**
 * h2oGPT's token-level stopping rule (src/stopping.py get_stopping): generation stops once a stop text has been
 * seen `encounters` times at the end of the token sequence, *counting the prompt's own tail*. So for
 * human_bot, `<bot>:` needs 2 because the prompt ends with one; in newly generated text alone, one of
 * any of these ends the response. Types not listed stop on their stop strings once.
 */
export interface TokenStopRule {
  readonly text: string;
  readonly encounters: number;
}

export const TOKEN_STOP_RULES: Readonly<Record<string, readonly TokenStopRule[]>> = {
  human_bot: [
    {text: "<human>:", encounters: 1},
    {text: "<bot>:", encounters: 2},
    {text: "\n<human>:", encounters: 1},
    {text: "\n<bot>:", encounters: 2}
  ],
  instruct_vicuna: [
    {text: "### Human:", encounters: 1},
    {text: "\n### Human:", encounters: 2},
    {text: "\n### Human:\n", encounters: 1},
    {text: "### Assistant:", encounters: 2},
    {text: "\n### Assistant:", encounters: 1},
    {text: "\n### Assistant:\n", encounters: 2}
  ],
  instruct_with_end: [{text: "### End", encounters: 1}]
};
