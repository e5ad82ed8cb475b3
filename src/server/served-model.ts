/**
 * What the server needs from one served model. The real implementation wraps the engine and generate stages
 * (engine-model.ts); unit tests use a scripted one. Names are camelCase; the HTTP layer maps h2oGPT's and
 * OpenAI's snake_case names onto these. Parameters, results, messages and embeddings are the generate, prompts
 * and engine stages' own types.
 */

import type {EmbeddingResult} from "../engine/index.js";
import type {DocumentGenerateResult, DocumentOptions, GenerateResult, GenerationParams, GenerationPlan} from "../generate/index.js";
import type {ChatMessage} from "../prompts/index.js";

export type {ChatMessage, EmbeddingResult, GenerationParams};

/** A chat turn: either OpenAI messages, or h2oGPT's history pairs plus the new instruction. */
export type ChatInput =
  | {readonly messages: readonly ChatMessage[]}
  | {
      readonly history: readonly (readonly [string, string])[];
      readonly instruction: string;
      readonly iinput?: string;
      /** h2oGPT's context: text put before the conversation. */
      readonly context?: string;
    };

export interface ChatRequest {
  readonly input: ChatInput;
  readonly systemPrompt?: string;
  readonly promptType?: string;
  readonly promptDict?: Readonly<Record<string, unknown>>;
  readonly params: GenerationParams;
  /** Answer from a collection (h2oGPT's langchain_mode), with the caller's view of it as the retriever. */
  readonly documents?: DocumentOptions;
}

/** Raw text completion (`/v1/completions`): the prompt goes to the model exactly as given. */
export interface CompletionRequest {
  readonly prompt: string;
  readonly params: GenerationParams;
}

/** The part of the generate stage's result that the APIs report. */
export type GenerationOutcome = Pick<
  GenerateResult,
  "response" | "promptRaw" | "promptTokens" | "completionTokens" | "maxNewTokens" | "stopReason" | "turnsDropped"
> &
  Partial<Pick<GenerateResult, "cachedTokens">> &
  Partial<Pick<DocumentGenerateResult, "langchainMode" | "langchainAction" | "sources" | "chunksUsed" | "chunksDropped" | "note">>;

export interface GenerationRun {
  /** Text deltas; stop strings never appear, even partly. */
  readonly stream: AsyncIterable<string>;
  readonly result: Promise<GenerationOutcome>;
  /** Resolves when the run is known to be answerable before its first token (a map-reduce summary starting). */
  readonly started?: Promise<void>;
}

export interface ModelInfo {
  /** The name clients use in `model`. */
  readonly name: string;
  /** Other names `model` may give for it, e.g. the GGUF's own model name or its file name. */
  readonly aliases?: readonly string[];
  /** `llama.cpp`, or the remote server's address. */
  readonly engine: string;
  readonly contextLength: number;
  /** Generations the engine runs at once. */
  readonly sequences: number;
  readonly promptType?: string;
  readonly embeddings: boolean;
  /** Shown in the UI above the chat, e.g. that the built-in model is a tiny demonstration model. */
  readonly notice?: string;
  /** Anything else worth showing (file, parameters, chat template present...). */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  /** The server-wide generation settings (the serve flags) a request without its own values gets. */
  readonly defaults?: GenerationParams;
}

/** A chat request's prompt before generating (`POST /api/tokenize_prompt`), as the generate stage plans it. */
export type PromptBudget = Pick<GenerationPlan, "promptRaw" | "promptTokens" | "maxNewTokens" | "contextLength" | "turnsDropped">;

export interface ServedModel {
  readonly info: ModelInfo;
  chat(request: ChatRequest, signal: AbortSignal): GenerationRun;
  /** Plans `request` without generating (documents are not retrieved, so their chunks are not counted). */
  plan?(request: ChatRequest): Promise<PromptBudget>;
  complete(request: CompletionRequest, signal: AbortSignal): GenerationRun;
  /** Present only when the engine has embeddings. */
  embed?(inputs: readonly string[], signal: AbortSignal): Promise<EmbeddingResult>;
  close(): Promise<void>;
}
