import {assemblePrompt, type PromptRecord} from "./assemble-prompt.js";
import type {ChatTemplate} from "./chat-template.js";
import {inputTakesInstructionPlace} from "./input-takes-instruction-place.js";
import {promptFormat, type PromptFormatOptions} from "./prompt-format.js";
import {renderTemplateConversation} from "./render-template-conversation.js";
import {turnParts} from "./turn-parts.js";

export interface TrainingStringOptions extends PromptFormatOptions {
  readonly record: PromptRecord;
  /** For prompt_type unknown/template: render the record as a one-exchange conversation with this template. */
  readonly chatTemplate?: ChatTemplate;
}

export interface TrainingString {
  /** The whole training string. */
  readonly text: string;
  /** The prefix of `text` up to and including the response marker: the single-turn inference prompt. */
  readonly prompt: string;
}

/**
 * h2oGPT's training string (finetune.py: generate_prompt with reduced=False, making_context=False).
 * `text.startsWith(prompt)` always holds: the output is only ever appended.
 */
export function renderTrainingString(options: TrainingStringOptions): TrainingString {
  const format = promptFormat(options);
  if (format.row.usesChatTemplate && options.chatTemplate != null) {
    const {instruction, input, output} = options.record;
    const user = [instruction, input].filter(Boolean).join("\n");
    return renderTemplateConversation({
      chatTemplate: options.chatTemplate,
      systemPrompt: format.systemPrompt,
      turns: [
        {role: "user", content: user},
        {role: "assistant", content: output ?? ""}
      ]
    });
  }
  const record = inputTakesInstructionPlace(format.row, options.record);
  const parts = turnParts(format, {reduced: false, makingContext: false, histi: -1, hasContext: Boolean(record.context)});
  const prompt = assemblePrompt(parts, record);
  return {prompt, text: prompt + (record.output ?? "")};
}
