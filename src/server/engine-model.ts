import {basename} from "node:path";
import type {Engine} from "../engine/index.js";
import {
  choosePromptType,
  generateStream,
  generateWithDocuments,
  planGeneration,
  type DocumentGenerateResult,
  type GenerateInput,
  type GenerateResult,
  type GenerationParams as GenerateParams
} from "../generate/index.js";
import type {ChatTemplate, PromptDict} from "../prompts/index.js";
import type {ChatRequest, CompletionRequest, GenerationOutcome, GenerationParams, GenerationRun, ModelInfo, ServedModel} from "./served-model.js";

/**
 * A served model over an engine and the generate stage: chat turns get the prompt type, the context budget
 * (oldest turns dropped, never silent truncation), stop strings and response extraction; raw completions
 * (`/v1/completions`) send the prompt exactly as given, as llama-server and OpenAI do.
 */

export interface EngineModelOptions {
  readonly engine: Engine;
  /** The name clients use; defaults to the engine's. */
  readonly name?: string;
  /** h2oGPT's --prompt_type for requests that name none (default: detected from the model). */
  readonly promptType?: string;
  readonly promptDict?: PromptDict;
  /** h2oGPT's --system_prompt for requests that give none. */
  readonly systemPrompt?: string;
  readonly chatTemplate?: ChatTemplate;
  /** Server-wide generation settings (the CLI's --temperature etc.); a request's own values win. */
  readonly defaults?: GenerateParams;
  /** Shown in the UI above the chat; defaults to the engine's own (set for the built-in demonstration model). */
  readonly notice?: string;
  /** Where a downloaded model came from (`hf:OWNER/REPO:QUANT`, a URL), shown with its details. */
  readonly source?: string;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toRun(stream: {stream: AsyncIterable<string>; result: Promise<GenerateResult & Partial<DocumentGenerateResult>>; mapping?: Promise<void>}): GenerationRun {
  return {
    stream: stream.stream,
    ...(stream.mapping == null ? {} : {started: stream.mapping}),
    result: stream.result.then(
      (result): GenerationOutcome => ({
        response: result.response,
        promptRaw: result.promptRaw,
        promptTokens: result.promptTokens,
        ...(result.cachedTokens == null ? {} : {cachedTokens: result.cachedTokens}),
        completionTokens: result.completionTokens,
        maxNewTokens: result.maxNewTokens,
        stopReason: result.stopReason,
        turnsDropped: result.turnsDropped,
        ...(result.langchainMode == null
          ? {}
          : {
              langchainMode: result.langchainMode,
              langchainAction: result.langchainAction,
              sources: result.sources,
              chunksUsed: result.chunksUsed,
              chunksDropped: result.chunksDropped,
              note: result.note
            })
      })
    )
  };
}

function chatInput(request: ChatRequest): GenerateInput {
  const input = request.input;
  if ("messages" in input) return {messages: input.messages};
  return {history: input.history, instruction: input.instruction, iinput: input.iinput, context: input.context};
}

export function engineModel(options: EngineModelOptions): ServedModel {
  const {engine} = options;
  const name = options.name ?? engine.info.name;
  const fileName = engine.info.modelPath == null ? undefined : basename(engine.info.modelPath);
  const info: ModelInfo = {
    name,
    aliases: [...new Set([engine.info.name, fileName].filter((alias): alias is string => alias != null && alias !== name))],
    engine: engine.info.kind === "llama.cpp" ? "llama.cpp" : (engine.info.baseUrl ?? "remote"),
    contextLength: engine.info.contextLength,
    sequences: engine.info.sequences,
    // What a request without its own prompt_type gets: the flag's, else detected from the model.
    promptType: String(choosePromptType({promptType: options.promptType, engine, chatTemplate: options.chatTemplate})),
    embeddings: engine.info.embeddings && engine.embed != null,
    notice: options.notice ?? engine.info.notice,
    ...(options.defaults == null ? {} : {defaults: options.defaults}),
    details: {
      ...(engine.info.modelPath == null ? {} : {file: basename(engine.info.modelPath), model_name: engine.info.name}),
      ...(options.source == null ? {} : {source: options.source}),
      ...(engine.info.trainContextLength == null ? {} : {trained_context: engine.info.trainContextLength}),
      ...(engine.info.chatTemplate == null ? {} : {chat_template: true}),
      ...(engine.info.binary == null ? {} : {llama_cpp_binary: engine.info.binary}),
      ...(engine.info.flashAttention == null ? {} : {flash_attention: engine.info.flashAttention})
    }
  };
  const params = (requested: GenerationParams): GenerateParams => ({...options.defaults, ...withoutUndefined(requested)});
  const embed = engine.embed?.bind(engine);
  const chatOptions = (request: ChatRequest) => ({
    engine,
    ...chatInput(request),
    ...params(request.params),
    promptType: request.promptType ?? options.promptType,
    promptDict: request.promptDict ?? options.promptDict,
    systemPrompt: request.systemPrompt ?? options.systemPrompt,
    chatTemplate: options.chatTemplate
  });

  return {
    info,
    chat: (request, signal) => {
      const generateOptions = {...chatOptions(request), signal};
      return toRun(request.documents == null ? generateStream(generateOptions) : generateWithDocuments({...generateOptions, ...request.documents}));
    },
    plan: (request) => planGeneration(chatOptions(request)),
    complete: (request: CompletionRequest, signal) => toRun(generateStream({engine, prompt: request.prompt, ...params(request.params), signal})),
    ...(info.embeddings && embed != null ? {embed: (inputs: readonly string[], signal: AbortSignal) => embed(inputs, signal)} : {}),
    close: () => engine.close()
  };
}
