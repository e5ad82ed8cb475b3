import type {GgufMetadata} from "../gguf/index.js";
import type {ChatMessage} from "../prompts/index.js";

/**
 * Why a generation ended: an end-of-generation token, a stop string, the token limit, `max_time`, or the
 * caller's abort signal.
 */
export type StopReason = "eos" | "stop" | "length" | "time" | "abort";

/** Sampling and limits for one raw completion, with h2oGPT's meanings (defaults are applied by `generate`). */
export interface EngineGenerateOptions {
  /** The exact prompt text; special-token text in it (`<s>`, `<|im_start|>`) becomes the special token. */
  readonly prompt: string;
  readonly maxNewTokens: number;
  /** End-of-sequence tokens are suppressed until this many tokens exist (as HF's min_new_tokens); stop strings still apply. */
  readonly minNewTokens?: number;
  /** 0, or doSample false, means greedy. */
  readonly temperature?: number;
  readonly topP?: number;
  /** 0 means no limit; unset means 40 when sampling (see resolveSampling). */
  readonly topK?: number;
  /** Drops tokens below this fraction of the most likely one's probability; unset means 0.05 when topK is unset too. */
  readonly minP?: number;
  /** HF/CTRL-style multiplicative penalty over the last 64 tokens; 1 disables it. */
  readonly repetitionPenalty?: number;
  /** OpenAI's: subtracted from the logit of each token among the last 64 once (presence) or per time it occurs (frequency); 0 disables it. */
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  /**
   * Added to these token ids' logits before sampling, greedy included (OpenAI's logit_bias: -100 to 100, where
   * -100 in effect bans a token), end-of-generation tokens included.
   */
  readonly logitBias?: ReadonlyMap<number, number>;
  readonly seed?: number;
  readonly doSample?: boolean;
  /** Generation ends at the first of these strings; neither it nor any part of it is returned or streamed. */
  readonly stop?: readonly string[];
  /** Seconds; ends the generation with stop reason `time`. */
  readonly maxTime?: number;
  readonly signal?: AbortSignal;
}

export interface EngineResult {
  /** The generated text up to (not including) the stop string. */
  readonly text: string;
  readonly promptTokens: number;
  /**
   * Prompt tokens not evaluated again because the engine still held them from an earlier request (llama.cpp's
   * prompt cache: a chat's earlier turns); the rest of the prompt was evaluated. Absent when the engine cannot tell.
   */
  readonly cachedTokens?: number;
  readonly completionTokens: number;
  readonly stopReason: StopReason;
  /** The stop string that ended generation, when stopReason is `stop`. */
  readonly stopString?: string;
}

/** A running generation: text deltas as they are produced, and the final result. */
export interface EngineGeneration {
  /** Deltas whose concatenation is `result.text`. Leaving the loop early aborts the generation. */
  readonly stream: AsyncIterable<string>;
  readonly result: Promise<EngineResult>;
}

/** How `countTokens` knows: the engine's own tokenizer, a local tokenizer file, the server's endpoint, or an estimate. */
export type TokenCounting = "exact" | "tokenizer" | "server" | "estimate";

export interface EngineInfo {
  readonly kind: "llama.cpp" | "remote";
  /** A display name: the GGUF's general.name or file name, or the remote model's id. */
  readonly name: string;
  /** Tokens of prompt plus generation one request may use. */
  readonly contextLength: number;
  /** The context the model was trained with, when known. */
  readonly trainContextLength?: number;
  /** Generations that run at once (llama.cpp sequences of one context; the remote engine's request limit). */
  readonly sequences: number;
  readonly embeddings: boolean;
  /** Remote chat endpoints template the messages themselves; everything else takes our rendered prompt. */
  readonly promptFormat: "raw" | "messages";
  readonly tokenCounting: TokenCounting;
  readonly modelPath?: string;
  readonly baseUrl?: string;
  /** The model file's metadata (prompt type detection, chat template), when the engine has a GGUF. */
  readonly ggufMetadata?: GgufMetadata;
  readonly chatTemplate?: string;
  readonly bosToken?: string;
  readonly eosToken?: string;
  /** Said to users before they rely on the model: set for the built-in demonstration model. */
  readonly notice?: string;
  /**
   * Which llama.cpp binary runs the model: node-llama-cpp's generic `prebuilt` one, or the `native` build for this
   * CPU that scripts/build-llama-addon.sh installs (docs/serve.md, "Where the time goes").
   */
  readonly binary?: "prebuilt" | "native";
  /** Whether llama.cpp's flash attention is on (LlamaCppEngineOptions.flashAttention says when it is by default). */
  readonly flashAttention?: boolean;
}

/** Chat endpoints get h2oGPT's messages: the prompts stage's message type. */
export type {ChatMessage};

export interface EmbeddingResult {
  readonly vectors: number[][];
  readonly promptTokens: number;
}

/** One model behind one interface: llama.cpp in process, or an OpenAI-compatible server. */
export interface Engine {
  readonly info: EngineInfo;
  /** A raw completion of `prompt`. */
  generate(options: EngineGenerateOptions): EngineGeneration;
  /**
   * A chat completion of `messages` for engines whose `promptFormat` is `messages` (the server applies its own
   * template); other engines throw NotSupportedError.
   */
  generateChat(options: Omit<EngineGenerateOptions, "prompt"> & {readonly messages: readonly ChatMessage[]}): EngineGeneration;
  /** Token ids as the engine feeds them (with BOS where the model adds it). */
  tokenize(text: string): Promise<number[]>;
  /** The number of tokens `text` takes as a prompt (see `info.tokenCounting`). */
  countTokens(text: string): Promise<number>;
  /** Present only when `info.embeddings` is true. */
  embed?(texts: readonly string[], signal?: AbortSignal): Promise<EmbeddingResult>;
  /** Frees the model and its contexts; running generations end with stop reason `abort`. */
  close(): Promise<void>;
}
