import {UsageError} from "../errors/index.js";
import type {EngineGenerateOptions} from "./engine-types.js";

export interface ResolvedSampling {
  readonly greedy: boolean;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly seed?: number;
  readonly repetitionPenalty: number;
}

const RANGES: readonly {key: keyof EngineGenerateOptions; min: number; max: number; integer?: boolean}[] = [
  {key: "temperature", min: 0, max: 100},
  {key: "topP", min: 0, max: 1},
  {key: "topK", min: 0, max: Number.MAX_SAFE_INTEGER, integer: true},
  {key: "repetitionPenalty", min: 0.01, max: 100},
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
}

/**
 * h2oGPT's sampling switches as one decision: greedy when do_sample is false or the temperature is 0; otherwise
 * sample at that temperature with top_k (0 = no limit) and top_p.
 */
export function resolveSampling(options: Omit<EngineGenerateOptions, "prompt">): ResolvedSampling {
  const temperature = options.temperature ?? 0;
  const greedy = options.doSample === false || temperature <= 0;
  return {
    greedy,
    temperature: greedy ? 0 : temperature,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
    seed: options.seed,
    repetitionPenalty: options.repetitionPenalty ?? 1
  };
}
