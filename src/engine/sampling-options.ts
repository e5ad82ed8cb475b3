import {UsageError} from "../errors/index.js";
import type {EngineGenerateOptions} from "./engine-types.js";

export interface ResolvedSampling {
  readonly greedy: boolean;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  /** Tokens below this fraction of the most likely token's probability are dropped; 0 keeps all. */
  readonly minP: number;
  readonly seed?: number;
  readonly repetitionPenalty: number;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
}

const RANGES: readonly {key: keyof EngineGenerateOptions; min: number; max: number; integer?: boolean}[] = [
  {key: "temperature", min: 0, max: 100},
  {key: "topP", min: 0, max: 1},
  {key: "topK", min: 0, max: Number.MAX_SAFE_INTEGER, integer: true},
  {key: "minP", min: 0, max: 1},
  {key: "repetitionPenalty", min: 0.01, max: 100},
  {key: "presencePenalty", min: -2, max: 2},
  {key: "frequencyPenalty", min: -2, max: 2},
  {key: "maxNewTokens", min: 0, max: Number.MAX_SAFE_INTEGER, integer: true},
  {key: "minNewTokens", min: 0, max: Number.MAX_SAFE_INTEGER, integer: true},
  {key: "maxTime", min: 0, max: Number.MAX_SAFE_INTEGER},
  {key: "seed", min: 0, max: 2 ** 32 - 1, integer: true}
];

/** Rejects out-of-range parameters with a UsageError naming the parameter. */
export function checkGenerateOptions(options: EngineGenerateOptions | Omit<EngineGenerateOptions, "prompt">): void {
  for (const {key, min, max, integer} of RANGES) {
    const value = (options as Record<string, unknown>)[key];
    if (value == null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      throw new UsageError(`${key}: expected ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${String(value)}`);
  }
  for (const [token, bias] of options.logitBias ?? []) {
    if (!Number.isSafeInteger(token) || token < 0) throw new UsageError(`logit_bias: token ids are integers from 0, got ${String(token)}`);
    if (!Number.isFinite(bias) || bias < -MAX_LOGIT_BIAS || bias > MAX_LOGIT_BIAS)
      throw new UsageError(`logit_bias: the bias of token ${token} must be a number from -${MAX_LOGIT_BIAS} to ${MAX_LOGIT_BIAS}, got ${String(bias)}`);
  }
}

/** OpenAI's range for logit_bias values. */
export const MAX_LOGIT_BIAS = 100;

/** A key of OpenAI's logit_bias object: a token id written as a decimal integer from 0, no leading zeros. */
export const LOGIT_BIAS_KEY = /^(0|[1-9]\d{0,9})$/;

/** top_k when a sampling request names none: llama-server's default (HF generate's is 50). */
export const DEFAULT_TOP_K = 40;
/** min_p when a sampling request names neither top_k nor min_p: llama-server's default. */
export const DEFAULT_MIN_P = 0.05;

/**
 * h2oGPT's sampling switches as one decision: greedy when do_sample is false or the temperature is 0; otherwise
 * sample at that temperature with top_k (0 = no limit), top_p and min_p. Sampling over a whole vocabulary costs
 * about as much per token as a small model's forward pass and adds only noise from its tail, so a request that
 * names no truncation gets llama-server's top_k 40 and min_p 0.05; a request that names top_k (0 included) gets
 * exactly what it names and no min_p unless it names one too.
 *
 * @example
 * resolveSampling({maxNewTokens: 64, temperature: 0.7}); // {greedy: false, temperature: 0.7, topK: 40, topP: 1, minP: 0.05, ...}
 * resolveSampling({maxNewTokens: 64, temperature: 0.7, topK: 0}); // topK 0 (no limit), minP 0
 */
export function resolveSampling(options: Omit<EngineGenerateOptions, "prompt">): ResolvedSampling {
  const temperature = options.temperature ?? 0;
  const greedy = options.doSample === false || temperature <= 0;
  return {
    greedy,
    temperature: greedy ? 0 : temperature,
    topK: options.topK ?? DEFAULT_TOP_K,
    topP: options.topP ?? 1,
    minP: options.minP ?? (options.topK == null ? DEFAULT_MIN_P : 0),
    seed: options.seed,
    repetitionPenalty: options.repetitionPenalty ?? 1,
    presencePenalty: options.presencePenalty ?? 0,
    frequencyPenalty: options.frequencyPenalty ?? 0
  };
}
