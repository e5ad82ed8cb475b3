import type {CallbackManagerForLLMRun} from "@langchain/core/callbacks/manager";
import {BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams} from "@langchain/core/language_models/chat_models";
import {AIMessage, AIMessageChunk, type BaseMessage, type MessageContent} from "@langchain/core/messages";
import {ChatGenerationChunk, type ChatResult} from "@langchain/core/outputs";
import type {Engine} from "../engine/index.js";
import {NotSupportedError} from "../errors/index.js";
import type {GenerateInput, GenerateResult, Message} from "../generate/index.js";
import {
  abortError,
  callParams,
  H2OGPT_CALL_KEYS,
  responseMetadata,
  snakeParams,
  splitModelOptions,
  startH2oGpt,
  usageOf,
  type EngineSource,
  type H2oGptCallFields,
  type H2oGptModelOptions
} from "./model-options.js";

export interface ChatH2oGptCallOptions extends BaseChatModelCallOptions, H2oGptCallFields {}

export interface ChatH2oGptOptions extends BaseChatModelParams, H2oGptModelOptions {}

const ROLES: Readonly<Record<string, string>> = {human: "user", ai: "assistant", system: "system", developer: "system", user: "user", assistant: "assistant"};

/** A message's text; images, audio and other non-text parts are refused rather than silently dropped. */
function textOf(content: MessageContent, index: number): string {
  if (typeof content === "string") return content;
  let text = "";
  for (const part of content) {
    if (typeof part === "string") text += part;
    else if (part.type === "text" && typeof part.text === "string") text += part.text;
    else throw new NotSupportedError(`messages[${index}]: content of type '${String(part.type)}' is not supported; h2ogpt-ts models take text`);
  }
  return text;
}

/** LangChain messages as the generate stage's {role, content} messages (system, user, assistant). */
export function toH2oGptMessages(messages: readonly BaseMessage[]): Message[] {
  return messages.map((message, index) => {
    const type = message.type === "generic" ? String((message as BaseMessage & {role?: string}).role) : message.type;
    const role = ROLES[type];
    if (role == null)
      throw new NotSupportedError(`messages[${index}]: ${type} messages are not supported (ChatH2oGpt has no tool calling; see docs/langchain.md)`);
    if (AIMessage.isInstance(message) && (message.tool_calls?.length ?? 0) > 0)
      throw new NotSupportedError(`messages[${index}]: tool calls are not supported (ChatH2oGpt has no tool calling; see docs/langchain.md)`);
    return {role, content: textOf(message.content, index)};
  });
}

/**
 * h2ogpt-ts as a LangChain chat model, in process: the messages become h2oGPT's prompt (the prompt type's, or the
 * model's chat template) through the generate stage, with its context budget (a prompt that cannot fit is our
 * ContextOverflowError, never silently cut), stop strings, streaming, abort and token usage.
 *
 * @example
 * const chat = new ChatH2oGpt({maxNewTokens: 64}); // the built-in model
 * const answer = await chat.invoke([["system", "Answer briefly."], ["human", "What is h2oGPT?"]]);
 * console.log(answer.content, answer.usage_metadata);
 * for await (const chunk of await chat.stream("Who are you?", {max_new_tokens: 32})) process.stdout.write(chunk.text);
 */
export class ChatH2oGpt extends BaseChatModel<ChatH2oGptCallOptions, AIMessageChunk> {
  static override lc_name(): string {
    return "ChatH2oGpt";
  }

  private readonly source: EngineSource;
  private readonly defaults: ReturnType<typeof splitModelOptions>["defaults"];

  constructor(options: ChatH2oGptOptions = {}) {
    const {engine, defaults, rest} = splitModelOptions(options);
    super(rest);
    this.source = engine;
    this.defaults = defaults;
  }

  _llmType(): string {
    return "h2ogpt";
  }

  override get callKeys(): string[] {
    return [...super.callKeys, ...H2OGPT_CALL_KEYS];
  }

  /** The engine this model generates with (loaded on first use); pass it to other components to share the model. */
  engine(): Promise<Engine> {
    return this.source.get();
  }

  /** Frees the model when this chat model loaded it; an engine given to the constructor stays open. */
  close(): Promise<void> {
    return this.source.close();
  }

  override invocationParams(options?: this["ParsedCallOptions"]): Record<string, unknown> {
    return {...this.source.describe(), ...snakeParams(callParams(this.defaults, options ?? {}))};
  }

  override _identifyingParams(): Record<string, unknown> {
    return this.invocationParams();
  }

  /** Tokens as the model counts them (LangChain's default would estimate with an OpenAI tokenizer). */
  override async getNumTokens(content: MessageContent): Promise<number> {
    return (await this.source.get()).countTokens(textOf(content, 0));
  }

  /** Deltas as they come, then the generate stage's result (abort and errors thrown). */
  private async *run(messages: BaseMessage[], options: this["ParsedCallOptions"]): AsyncGenerator<string, {engine: Engine; result: GenerateResult}> {
    const input: GenerateInput = {messages: toH2oGptMessages(messages)};
    const engine = await this.source.get();
    options.signal?.throwIfAborted();
    const generation = startH2oGpt(engine, callParams(this.defaults, options), input, options.signal);
    for await (const delta of generation.stream) yield delta;
    const result = await generation.result;
    if (options.signal?.aborted) throw abortError(options.signal);
    return {engine, result};
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun
  ): AsyncGenerator<ChatGenerationChunk> {
    const run = this.run(messages, options);
    // A consumer that stops reading ends the generation (and frees the engine's sequence) through run.return().
    try {
      for (let next = await run.next(); ; next = await run.next()) {
        if (next.done) {
          const {engine, result} = next.value;
          const message = new AIMessageChunk({content: "", usage_metadata: usageOf(result), response_metadata: responseMetadata(engine, result)});
          yield new ChatGenerationChunk({text: "", message});
          return;
        }
        const chunk = new ChatGenerationChunk({text: next.value, message: new AIMessageChunk({content: next.value})});
        yield chunk;
        await runManager?.handleLLMNewToken(next.value, undefined, undefined, undefined, undefined, {chunk});
      }
    } finally {
      await run.return(undefined as never);
    }
  }

  override async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const run = this.run(messages, options);
    for (;;) {
      const next = await run.next();
      if (next.done) {
        const {engine, result} = next.value;
        const usage = usageOf(result);
        const message = new AIMessage({content: result.response, usage_metadata: usage, response_metadata: responseMetadata(engine, result)});
        return {
          generations: [{text: result.response, message}],
          llmOutput: {tokenUsage: {promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, totalTokens: usage.total_tokens}}
        };
      }
      await runManager?.handleLLMNewToken(next.value);
    }
  }
}
