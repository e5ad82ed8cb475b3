import type {ChatMessage, Engine} from "../engine/index.js";
import {UsageError} from "../errors/index.js";
import {
  detectPromptType,
  effectiveSystemPrompt,
  renderChatPrompt,
  resolvePromptType,
  type ChatTemplate,
  type PromptTypeRow
} from "../prompts/index.js";
import type {GenerateOptions} from "./generate-options.js";
import {messagesToChat} from "./messages-to-chat.js";

/** Strings h2oGPT deletes from responses; they only appear when a model writes end-of-sequence text, so the response ends there. */
const END_OF_SEQUENCE_TEXTS = ["<pad>", "</s>", "<|endoftext|>"];

/**
 * How one request becomes model input: a render function the budget can call with fewer history exchanges
 * (`keep`) and a shortened message (`cut`), plus the stop strings and response shaping of its prompt type.
 */
export interface PromptPlan<T> {
  readonly kind: "text" | "messages";
  readonly render: (keep: number, cut: number) => T;
  readonly count: (input: T) => Promise<number>;
  readonly raw: (input: T) => string;
  readonly historyTurns: number;
  /** Characters truncation `left` may cut: the context, then the message. */
  readonly messageLength: number;
  readonly overflowDetail?: string;
  readonly promptType: string;
  readonly stop: readonly string[];
  readonly dropLeadingSpace: boolean;
  readonly trailingPartialTags: readonly string[];
}

/** Chat endpoints template messages themselves; h2oGPT budgets them as content plus a few tokens per message. */
const TOKENS_PER_MESSAGE = 4;

function modelChatTemplate(engine: Engine): ChatTemplate | undefined {
  const {chatTemplate, bosToken, eosToken, modelPath} = engine.info;
  return chatTemplate == null ? undefined : {template: chatTemplate, bosToken, eosToken, source: modelPath ?? engine.info.name};
}

function conversation(options: GenerateOptions): {systemPrompt: string | null | undefined; history: (readonly [string | null, string | null])[]; instruction: string} {
  if (options.messages != null) {
    if (options.instruction != null || options.history != null) throw new UsageError("give either messages or instruction/history, not both");
    const chat = messagesToChat(options.messages);
    return {systemPrompt: chat.systemPrompt ?? options.systemPrompt, history: chat.history, instruction: chat.instruction};
  }
  if (options.instruction == null) throw new UsageError("nothing to answer: give an instruction, messages or a prompt");
  return {systemPrompt: options.systemPrompt, history: [...(options.history ?? [])], instruction: options.instruction};
}

/** Removes `cut` characters from the start of the texts taken in order (truncation `left`). */
function cutFromStart(texts: readonly string[], cut: number): string[] {
  let left = cut;
  return texts.map((text) => {
    const n = Math.min(left, text.length);
    left -= n;
    return text.slice(n);
  });
}

const CONTEXT_OVERFLOW = "the context and the message do not fit even without history; shorten them, raise --max_seq_len, or use --truncation=left";

function userStops(options: GenerateOptions): string[] {
  return (options.stop ?? []).filter((s) => typeof s === "string" && s !== "");
}

/** The prompt type for a request: the one given, else detected from the model, else its chat template, else plain. */
export function choosePromptType(options: Pick<GenerateOptions, "promptType" | "engine" | "chatTemplate">): string | number {
  if (options.promptType != null) return options.promptType;
  const {engine} = options;
  const detected = detectPromptType({modelName: engine.info.modelPath ?? engine.info.name, ggufMetadata: engine.info.ggufMetadata});
  if (detected != null) return detected;
  return (options.chatTemplate ?? modelChatTemplate(engine)) != null ? "template" : "plain";
}

function rawPlan(options: GenerateOptions & {prompt: string}): PromptPlan<string> {
  const {engine, prompt} = options;
  if (options.context) throw new UsageError("a raw prompt is sent exactly as given: put the context in it, or give an instruction or messages");
  return {
    kind: "text",
    render: (_keep, cut) => prompt.slice(cut),
    count: (text) => engine.countTokens(text),
    raw: (text) => text,
    historyTurns: 0,
    messageLength: prompt.length,
    promptType: "plain",
    stop: userStops(options),
    dropLeadingSpace: false,
    trailingPartialTags: []
  };
}

function messagesPlan(options: GenerateOptions): PromptPlan<ChatMessage[]> {
  const {engine} = options;
  const chat = conversation(options);
  const row = resolvePromptType("plain");
  const systemPrompt = effectiveSystemPrompt(row, chat.systemPrompt);
  const context = options.context ?? "";
  // A chat endpoint templates messages itself; h2oGPT sends the context in the last user message, before it.
  const message = context + (options.iinput ? `${chat.instruction}\n${options.iinput}` : chat.instruction);
  return {
    kind: "messages",
    render: (keep, cut) => {
      const messages: ChatMessage[] = systemPrompt ? [{role: "system", content: systemPrompt}] : [];
      for (const [user, bot] of chat.history.slice(chat.history.length - keep)) {
        if (user != null) messages.push({role: "user", content: user});
        if (bot) messages.push({role: "assistant", content: bot});
      }
      messages.push({role: "user", content: message.slice(cut)});
      return messages;
    },
    count: async (messages) => {
      let total = 0;
      for (const m of messages) total += (await engine.countTokens(m.content)) + TOKENS_PER_MESSAGE;
      return total;
    },
    raw: (messages) => JSON.stringify(messages),
    historyTurns: chat.history.length,
    messageLength: message.length,
    ...(context === "" ? {} : {overflowDetail: CONTEXT_OVERFLOW}),
    promptType: "plain",
    stop: userStops(options),
    dropLeadingSpace: false,
    trailingPartialTags: []
  };
}

function promptTypePlan(options: GenerateOptions): PromptPlan<string> {
  const {engine, promptDict} = options;
  const chat = conversation(options);
  const promptType = choosePromptType(options);
  const row: PromptTypeRow = resolvePromptType(promptType);
  const chatTemplate = row.usesChatTemplate ? (options.chatTemplate ?? modelChatTemplate(engine)) : undefined;
  const format = {promptType, promptDict, systemPrompt: chat.systemPrompt, chatTemplate};
  const texts = [options.context ?? "", chat.instruction, options.iinput ?? ""];
  const render = (keep: number, cut: number): string => {
    const [context, instruction, input] = cutFromStart(texts, cut);
    const history = chat.history.slice(chat.history.length - keep);
    return renderChatPrompt({...format, history: [...history, [instruction!, null]], input, context}).prompt;
  };
  const stop = renderChatPrompt({...format, history: [[chat.instruction, null]]}).stop;
  return {
    kind: "text",
    render,
    count: (text) => engine.countTokens(text),
    raw: (text) => text,
    historyTurns: chat.history.length,
    messageLength: texts.reduce((sum, text) => sum + text.length, 0),
    ...(texts[0] === "" ? {} : {overflowDetail: CONTEXT_OVERFLOW}),
    promptType: row.name,
    stop: [...new Set([...stop, ...END_OF_SEQUENCE_TEXTS, ...userStops(options)])],
    dropLeadingSpace: row.generatesLeadingSpace,
    trailingPartialTags: row.trailingPartialTags
  };
}

export function planPrompt(options: GenerateOptions): PromptPlan<string> | PromptPlan<ChatMessage[]> {
  if (options.prompt != null) {
    if (options.instruction != null || options.messages != null) throw new UsageError("give either a raw prompt or instruction/messages, not both");
    return rawPlan(options as GenerateOptions & {prompt: string});
  }
  return options.engine.info.promptFormat === "messages" ? messagesPlan(options) : promptTypePlan(options);
}
