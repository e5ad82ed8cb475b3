import {ContextOverflowError, UsageError} from "../errors/index.js";

export interface MaxNewTokensOptions {
  /** The context window, shared by the prompt and the generated tokens. */
  readonly contextLength: number;
  readonly promptTokens: number;
  /** What the caller asked for (h2oGPT's max_new_tokens). */
  readonly requested: number;
}

function checkCount(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) throw new UsageError(`${name} must be an integer >= ${minimum}, got ${value}`);
}

/**
 * How many tokens may be generated: the request, capped by the room the prompt leaves (2048 context, 1900
 * prompt tokens: at most 148). A prompt that leaves no room is an error, never a silent truncation.
 */
export function maxNewTokens({contextLength, promptTokens, requested}: MaxNewTokensOptions): number {
  checkCount("contextLength", contextLength, 1);
  checkCount("promptTokens", promptTokens, 0);
  checkCount("requested", requested, 1);
  const room = contextLength - promptTokens;
  if (room <= 0) throw new ContextOverflowError(promptTokens, contextLength, "no room left for a new token");
  return Math.min(requested, room);
}
