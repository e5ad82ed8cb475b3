import {badRequest, optionalNumber, type JsonObject} from "./field-readers.js";

/** What a generation request may ask for on this server, whichever API it comes through. */
export interface RequestLimits {
  /** The largest max_tokens a request may ask for (`--max_max_new_tokens`). */
  readonly maxNewTokensCap: number;
  /** Used when the request gives no max_tokens. */
  readonly defaultMaxNewTokens: number;
  readonly maxChoices: number;
}

/** How many stop strings a request may give. */
export const MAX_STOP_STRINGS = 16;

/** The request's `key` (max_tokens, max_new_tokens...) within the server's cap, or the server's default. */
export function readMaxNewTokens(body: JsonObject, key: string, limits: RequestLimits): number {
  const value = optionalNumber(body, key, {min: 1, integer: true});
  if (value != null && value > limits.maxNewTokensCap)
    throw badRequest(key, `${value} exceeds this server's limit of ${limits.maxNewTokensCap} (--max_max_new_tokens)`, "max_tokens_too_large");
  return value ?? Math.min(limits.defaultMaxNewTokens, limits.maxNewTokensCap);
}
