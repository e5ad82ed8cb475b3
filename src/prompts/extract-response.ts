import {promptFormat, type PromptFormatOptions} from "./prompt-format.js";

export interface ExtractResponseOptions extends PromptFormatOptions {
  /** Raw model output(s). Several outputs are numbered and joined, as h2oGPT shows them. */
  readonly outputs: string | readonly string[];
  /** The outputs start with this prompt (h2oGPT's usual case): it is cut off first. */
  readonly prompt?: string;
  /** The outputs are only newly generated text. Without `prompt` or `newText`, the text after the last bot tag. */
  readonly newText?: boolean;
  /** More strings that end a response: the tokenizer's eos, the chat template's end-of-turn marker... */
  readonly stop?: readonly string[];
  /** h2oGPT's repeat_penalty option: drop a line of 10 or more characters that already appeared. */
  readonly removeRepeatedLines?: boolean;
}

/** h2oGPT removes these anywhere in a response. */
const MEANINGLESS = ["<pad>", "</s>", "<|endoftext|>"];
const REPEATED_LINE_MIN = 10;

function removeRepeats(text: string): string {
  const kept: string[] = [];
  for (const line of text.split("\n")) if (!kept.includes(line) || line.length < REPEATED_LINE_MIN) kept.push(line);
  return kept.join("\n");
}

/**
 * h2oGPT's Prompter.get_response: strip the prompt, remove padding/eos strings and the leading space some types
 * generate, cut at a terminate string, drop a trailing partial tag. Fix: the cut is at the earliest terminate
 * string in the text, where h2oGPT cuts at the first one in its list that occurs anywhere.
 */
export function extractResponse(options: ExtractResponseOptions): string {
  const {row} = promptFormat(options);
  const outputs = typeof options.outputs === "string" ? [options.outputs] : options.outputs;
  const terminate = [...row.terminate, ...(options.stop ?? [])].filter((text) => text !== "");
  const preResponse = row.preResponse ?? "";
  const {prompt} = options;

  const clean = (text: string): string => {
    for (const word of MEANINGLESS) text = text.split(word).join("");
    return row.generatesLeadingSpace && text.startsWith(" ") ? text.slice(1) : text;
  };

  const extractOne = (output: string): string => {
    let allowTerminate = true;
    if (options.newText) {
      output = clean(output);
    } else if (prompt == null) {
      // No prompt to strip: the text after the last bot tag, up to the next human (or bot) tag.
      if (row.botstr) output = clean(output.split(row.botstr).at(-1)!.split(row.humanstr || row.botstr)[0]!);
    } else {
      if (!preResponse) {
        output = output.slice(prompt.length);
      } else {
        const at = output.indexOf(prompt);
        if (at >= 0) {
          output = output.slice(at + prompt.length);
        } else {
          // The prompt came back altered (tokenization): look for the response marker near its end instead.
          output = output.slice(prompt.length - preResponse.length);
          allowTerminate = output.includes(preResponse);
          if (allowTerminate) output = output.split(preResponse)[1]!;
        }
      }
      output = clean(output);
    }
    if (options.removeRepeatedLines) output = removeRepeats(output);
    if (allowTerminate) {
      const cut = Math.min(...terminate.map((text) => output.indexOf(text)).filter((at) => at >= 0));
      if (Number.isFinite(cut)) output = output.slice(0, cut);
    }
    for (const tag of row.trailingPartialTags) if (output.endsWith(tag)) output = output.slice(0, -tag.length);
    return output;
  };

  if (outputs.length === 1) return extractOne(outputs[0]!);
  return outputs
    .map((output, i) => `\n=========== Output ${i + 1}\n\n${extractOne(output)}${i > 0 ? "\n" : ""}`)
    .join("\n");
}
