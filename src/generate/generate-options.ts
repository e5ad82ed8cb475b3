import type {Engine, StopReason} from "../engine/index.js";
import type {ChatTemplate, PromptDict} from "../prompts/index.js";
import type {Truncation} from "./fit-prompt.js";
import type {Message} from "./messages-to-chat.js";

/** Per-request generation parameters: h2oGPT's names (src/evaluate_params.py) in camelCase. */
export interface GenerationParams {
  /** 0 = greedy. */
  readonly temperature?: number;
  readonly topP?: number;
  /** Applies when sampling; unset means no top-k limit (h2oGPT's default 1 would make sampling greedy). */
  readonly topK?: number;
  /** Drops tokens below this fraction of the most likely one's probability (llama.cpp's min_p); see the engine's defaults. */
  readonly minP?: number;
  readonly repetitionPenalty?: number;
  /** OpenAI's presence and frequency penalties over the last 64 tokens (not in h2oGPT); 0 disables them. */
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  /** Token id to the number added to its logit before sampling (OpenAI's logit_bias; not in h2oGPT). */
  readonly logitBias?: ReadonlyMap<number, number>;
  readonly maxNewTokens?: number;
  readonly minNewTokens?: number;
  /** Seconds. */
  readonly maxTime?: number;
  readonly seed?: number;
  /** False forces greedy decoding; unset samples whenever temperature > 0. */
  readonly doSample?: boolean;
  /** Extra stop strings. */
  readonly stop?: readonly string[];
  /** Beam search is not available on these engines: more than 1 is a NotSupportedError. */
  readonly numBeams?: number;
  readonly numReturnSequences?: number;
  /** History is dropped until this many tokens (at most max_new_tokens, at most half the context) are left for the answer. */
  readonly minMaxNewTokens?: number;
  /** `error` (default): a context and message too long for the context fail with both numbers; `left` keeps their end. */
  readonly truncation?: Truncation;
}

/** h2oGPT's defaults (spec §3) for what a request leaves unset. */
export const GENERATION_DEFAULTS = {
  temperature: 0,
  topP: 1,
  repetitionPenalty: 1,
  maxNewTokens: 1024,
  minNewTokens: 0,
  maxTime: 600,
  numBeams: 1,
  numReturnSequences: 1,
  minMaxNewTokens: 512,
  truncation: "error"
} as const satisfies GenerationParams;

/** What to answer: h2oGPT's instruction (+ iinput) after earlier exchanges, OpenAI messages, or a raw prompt. */
export interface GenerateInput {
  /** The message to answer. */
  readonly instruction?: string;
  /** h2oGPT's iinput: extra input placed with the instruction as the prompt type places an input (PreInput). */
  readonly iinput?: string;
  /**
   * h2oGPT's context: text put verbatim before the conversation (often an earlier conversation already rendered
   * in the prompt type's format). It counts in the prompt and is never dropped to make room: history goes first,
   * then a prompt that still does not fit is a ContextOverflowError, unless truncation `left` cuts the start of
   * the context, then of the message. Refused with a chat template (TemplateContextError) and with a raw prompt.
   */
  readonly context?: string;
  /** Earlier exchanges `[[user, bot], ...]`, oldest first. */
  readonly history?: readonly (readonly [string | null, string | null])[];
  /** OpenAI-style messages instead of instruction/history; system messages set the system prompt. */
  readonly messages?: readonly Message[];
  /** A raw completion: this exact text goes to the model, with no prompt type and only the given stop strings. */
  readonly prompt?: string;
}

export interface GenerateOptions extends GenerationParams, GenerateInput {
  readonly engine: Engine;
  /** Name, number, '' or undefined (detected from the model, else its chat template, else plain). */
  readonly promptType?: string | number;
  readonly promptDict?: PromptDict;
  /** `auto` (default) = the type's own, `''` = none, or the text. */
  readonly systemPrompt?: string | null;
  /** Overrides the model's own chat template (prompt types unknown/template/''). */
  readonly chatTemplate?: ChatTemplate;
  readonly signal?: AbortSignal;
}

export interface SequenceResult {
  readonly response: string;
  readonly completionTokens: number;
  readonly stopReason: StopReason;
}

export interface GenerateResult {
  /** The answer (several are numbered and joined as h2oGPT shows them). */
  readonly response: string;
  /** Each returned sequence (num_return_sequences). */
  readonly sequences: readonly SequenceResult[];
  /** Exactly what the model was given (for a chat endpoint: the messages as JSON). */
  readonly promptRaw: string;
  readonly promptType: string;
  readonly promptTokens: number;
  /** Prompt tokens of the first sequence the engine still held from an earlier request (its prompt cache), when it can tell. */
  readonly cachedTokens?: number;
  /** All sequences together. */
  readonly completionTokens: number;
  /** The max_new_tokens granted after the context budget. */
  readonly maxNewTokens: number;
  /** Of the first sequence. */
  readonly stopReason: StopReason;
  /** Oldest history exchanges left out to fit the context. */
  readonly turnsDropped: number;
  /** Characters cut from the start of the context, then of the message (truncation `left`). */
  readonly truncatedChars: number;
}

export interface GenerateStream {
  /** Response deltas; they add up to `result.response`. Leaving the loop early stops generation. */
  readonly stream: AsyncIterable<string>;
  readonly result: Promise<GenerateResult>;
}
