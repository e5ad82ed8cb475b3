import type {ChatMessage, ChatTemplate} from "./chat-template.js";
import {normalizeConversation} from "./normalize-conversation.js";
import {ConversationFormatError} from "./prompt-errors.js";
import {promptFormat, type PromptFormatOptions} from "./prompt-format.js";
import {renderChatPrompt} from "./render-chat-prompt.js";
import {renderTemplateConversation} from "./render-template-conversation.js";
import type {TrainingString} from "./render-training-string.js";

export interface ConversationTrainingOptions extends PromptFormatOptions {
  /** Normalized messages, or a raw OpenAI/ShareGPT list (normalized with `field` in errors). */
  readonly messages: readonly ChatMessage[] | unknown;
  /** The record's field name for error messages (`messages`, `conversations`). */
  readonly field?: string;
  readonly chatTemplate?: ChatTemplate;
  readonly allowChatSystemPrompt?: boolean;
}

/** Optional leading system message, then user/assistant alternating from a user, ending with an assistant. */
function splitConversation(messages: readonly ChatMessage[], field: string) {
  let start = 0;
  let system: string | undefined;
  if (messages[0]?.role === "system") {
    system = messages[0].content;
    start = 1;
  }
  const turns = messages.slice(start);
  if (turns.length === 0) throw new ConversationFormatError("empty", field, "has no user or assistant messages");
  turns.forEach((message, i) => {
    const expected = i % 2 === 0 ? "user" : "assistant";
    if (message.role !== expected)
      throw new ConversationFormatError(
        message.role === "system" ? "bad-role" : "not-alternating",
        `${field}[${start + i}]`,
        message.role === "system"
          ? "a system message may only come first"
          : `expected ${expected === "user" ? "a user" : "an assistant"} message here (user and assistant must alternate, starting with user)`
      );
  });
  if (turns.length % 2 === 1)
    throw new ConversationFormatError("no-final-assistant", `${field}[${messages.length - 1}]`, "the last message must be the assistant's answer");
  return {system, turns};
}

/**
 * A chat training example: the earlier exchanges as the chat prompt renders them, the last assistant message
 * as the output. `text.startsWith(prompt)` holds; `prompt` ends with the response marker. A leading system
 * message overrides `systemPrompt`.
 */
export function renderConversationTraining(options: ConversationTrainingOptions): TrainingString {
  const field = options.field ?? "messages";
  const messages = normalizeConversation(options.messages, field);
  const {system, turns} = splitConversation(messages, field);
  const systemPrompt = system ?? options.systemPrompt;
  const format = promptFormat({...options, systemPrompt});
  const output = turns.at(-1)!.content;

  if (format.row.usesChatTemplate && options.chatTemplate != null)
    return renderTemplateConversation({chatTemplate: options.chatTemplate, systemPrompt: format.systemPrompt, turns});

  const history: [string, string | null][] = [];
  for (let i = 0; i < turns.length - 2; i += 2) history.push([turns[i]!.content, turns[i + 1]!.content]);
  history.push([turns.at(-2)!.content, null]);
  const {prompt} = renderChatPrompt({...options, systemPrompt, history});
  return {prompt, text: prompt + output};
}
