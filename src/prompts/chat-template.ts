import {Template} from "@huggingface/jinja";
import {FAKE_SYSTEM_TURN_USER} from "./fake-system-turn.js";
import {ChatTemplateError} from "./prompt-errors.js";

/** A Hugging Face chat template (Jinja) with the special tokens it may print. */
export interface ChatTemplate {
  readonly template: string;
  readonly bosToken?: string;
  readonly eosToken?: string;
  /** Where it came from (a file name), for error messages. */
  readonly source?: string;
}

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

const COMPILED_LIMIT = 16;
const compiled = new Map<string, Template>();

function sourceOf(chatTemplate: ChatTemplate): string {
  return chatTemplate.source ?? "(inline)";
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

/** Parses once per template text (data preparation renders the same template for every row). */
export function compileChatTemplate(chatTemplate: ChatTemplate): Template {
  let template = compiled.get(chatTemplate.template);
  if (template == null) {
    try {
      template = new Template(chatTemplate.template);
    } catch (error) {
      throw new ChatTemplateError(sourceOf(chatTemplate), `does not parse: ${reason(error)}`, {cause: error});
    }
    if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(chatTemplate.template, template);
  }
  return template;
}

/** transformers' apply_chat_template(messages, tokenize=False, add_generation_prompt=...). */
export function renderChatTemplate(options: {
  readonly chatTemplate: ChatTemplate;
  readonly messages: readonly ChatMessage[];
  readonly addGenerationPrompt: boolean;
}): string {
  const {chatTemplate} = options;
  const template = compileChatTemplate(chatTemplate);
  try {
    return template.render({
      messages: options.messages.map((message) => ({role: message.role, content: message.content})),
      add_generation_prompt: options.addGenerationPrompt,
      bos_token: chatTemplate.bosToken ?? "",
      eos_token: chatTemplate.eosToken ?? ""
    });
  } catch (error) {
    throw new ChatTemplateError(sourceOf(chatTemplate), reason(error), {cause: error});
  }
}

/** The messages a conversation is rendered from, with the system prompt as a system message or a fake exchange. */
export function templateMessages(systemPrompt: string, turns: readonly ChatMessage[], fakeSystemTurn: boolean): ChatMessage[] {
  if (!systemPrompt) return [...turns];
  if (fakeSystemTurn)
    return [{role: "user", content: FAKE_SYSTEM_TURN_USER}, {role: "assistant", content: systemPrompt}, ...turns];
  return [{role: "system", content: systemPrompt}, ...turns];
}

/**
 * h2oGPT's apply_chat_template fallback: render with a system message; when the template rejects it
 * (raise_exception, e.g. "System role not supported", "Conversation roles must alternate") or drops it (the
 * text does not appear), send the system prompt as a first exchange instead. Returns which way was used.
 */
export function chooseSystemPlacement(options: {
  readonly chatTemplate: ChatTemplate;
  readonly systemPrompt: string;
  readonly turns: readonly ChatMessage[];
}): {readonly text: string; readonly fakeSystemTurn: boolean} {
  const {chatTemplate, systemPrompt, turns} = options;
  const render = (fake: boolean): string =>
    renderChatTemplate({chatTemplate, messages: templateMessages(systemPrompt, turns, fake), addGenerationPrompt: true});
  if (!systemPrompt) return {text: render(false), fakeSystemTurn: false};
  try {
    const text = render(false);
    if (text.includes(systemPrompt)) return {text, fakeSystemTurn: false};
  } catch (error) {
    if (!(error instanceof ChatTemplateError)) throw error;
  }
  return {text: render(true), fakeSystemTurn: true};
}

/** End-of-turn markers a template may write; generation stops on the ones it contains. */
export const TEMPLATE_END_MARKERS: readonly string[] = [
  "<|im_end|>",
  "<|eot_id|>",
  "<end_of_turn>",
  "<|end|>",
  "<|end_of_turn|>",
  "<|EOT|>",
  "<|endoftext|>"
];

export function templateStopStrings(chatTemplate: ChatTemplate): string[] {
  const found = TEMPLATE_END_MARKERS.filter((marker) => chatTemplate.template.includes(marker));
  return [...new Set([...(chatTemplate.eosToken ? [chatTemplate.eosToken] : []), ...found])];
}
