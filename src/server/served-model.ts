/**
 * What the server needs from one served model. The real implementation wraps the engine and generate stages
 * (engine-model.ts); unit tests use a scripted one. Names are camelCase; the HTTP layer maps h2oGPT's and
 * OpenAI's snake_case names onto these.
 */

export interface GenerationParams {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly repetitionPenalty?: number;
  readonly maxNewTokens?: number;
  readonly minNewTokens?: number;
  /** Seconds. */
  readonly maxTime?: number;
  readonly seed?: number;
  readonly doSample?: boolean;
  readonly stop?: readonly string[];
}

/** An OpenAI chat message with its content already reduced to text. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** A chat turn: either OpenAI messages, or h2oGPT's history pairs plus the new instruction. */
export type ChatInput =
  | {readonly messages: readonly ChatMessage[]}
  | {
      readonly history: readonly (readonly [string, string])[];
      readonly instruction: string;
      readonly iinput?: string;
    };

export interface ChatRequest {
  readonly input: ChatInput;
  readonly systemPrompt?: string;
  readonly promptType?: string;
  readonly promptDict?: Readonly<Record<string, unknown>>;
  readonly params: GenerationParams;
}

/** Raw text completion (`/v1/completions`): the prompt goes to the model exactly as given. */
export interface CompletionRequest {
  readonly prompt: string;
  readonly params: GenerationParams;
}

export interface GenerationOutcome {
  readonly response: string;
  readonly promptRaw: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly maxNewTokens: number;
  /** The generate stage's reason, e.g. `eos`, `stop`, `length`, `time`, `abort`. */
  readonly stopReason: string;
  readonly turnsDropped: number;
}

export interface GenerationRun {
  /** Text deltas; stop strings never appear, even partly. */
  readonly stream: AsyncIterable<string>;
  readonly result: Promise<GenerationOutcome>;
}

export interface ModelInfo {
  /** The name clients use in `model`. */
  readonly name: string;
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
}

export interface EmbeddingResult {
  readonly vectors: readonly (readonly number[])[];
  readonly promptTokens: number;
}

export interface ServedModel {
  readonly info: ModelInfo;
  chat(request: ChatRequest, signal: AbortSignal): GenerationRun;
  complete(request: CompletionRequest, signal: AbortSignal): GenerationRun;
  /** Present only when the engine has embeddings. */
  embed?(inputs: readonly string[], signal: AbortSignal): Promise<EmbeddingResult>;
  close(): Promise<void>;
}
