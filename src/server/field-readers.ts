import {resolvePromptType, UnknownPromptTypeError} from "../prompts/index.js";
import {HttpError} from "./http-error.js";

/**
 * Readers for JSON request fields. Each names the field it rejects (`messages[1].content: expected a string`),
 * so a client sees exactly what to fix; a missing optional field reads as undefined, and `null` counts as missing
 * because OpenAI clients send explicit nulls.
 */

export type JsonObject = Record<string, unknown>;

/** The most characters of a client's value an error message quotes. */
export const QUOTE_LIMIT = 200;

/**
 * A value the client sent, as an error message quotes it: JSON, cut to QUOTE_LIMIT characters, so a 1 MB bad
 * value gets a short 400 rather than being sent back whole. Numbers print as themselves (`Infinity`, not `null`).
 */
export function quote(value: unknown): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value.slice(0, QUOTE_LIMIT + 1))
      : typeof value === "number"
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}... (cut)` : text;
}

export function badRequest(param: string, message: string, code = "invalid_value"): HttpError {
  return new HttpError(400, `${param}: ${message}`, {param, code});
}

export function asObject(value: unknown, param: string): JsonObject {
  if (value == null || typeof value !== "object" || Array.isArray(value)) throw badRequest(param, "expected a JSON object");
  return value as JsonObject;
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** Lower bound is exclusive. */
  readonly above?: number;
  readonly integer?: boolean;
}

export function optionalNumber(body: JsonObject, key: string, rule: NumberRule = {}, param = key): number | undefined {
  const value = body[key];
  if (value == null) return undefined;
  if (typeof value !== "number") throw badRequest(param, `expected a number, got ${quote(value)}`);
  // JSON.parse reads 1e999 as Infinity; it would print as null.
  if (!Number.isFinite(value)) throw badRequest(param, `expected a finite number, got ${quote(value)} (too large to represent)`);
  if (rule.integer && !Number.isInteger(value)) throw badRequest(param, `expected an integer, got ${value}`);
  if (rule.min != null && value < rule.min) throw badRequest(param, `must be at least ${rule.min}, got ${value}`);
  if (rule.above != null && value <= rule.above) throw badRequest(param, `must be greater than ${rule.above}, got ${value}`);
  if (rule.max != null && value > rule.max) throw badRequest(param, `must be at most ${rule.max}, got ${value}`);
  return value;
}

export function optionalString(body: JsonObject, key: string, maxLength = Number.POSITIVE_INFINITY, param = key): string | undefined {
  const value = body[key];
  if (value == null) return undefined;
  if (typeof value !== "string") throw badRequest(param, `expected a string, got ${typeof value}`);
  if (value.length > maxLength) throw badRequest(param, `longer than ${maxLength} characters`);
  return value;
}

export function requiredString(body: JsonObject, key: string, maxLength?: number, param = key): string {
  const value = optionalString(body, key, maxLength, param);
  if (value == null) throw badRequest(param, "is required", "missing_field");
  return value;
}

export function optionalBoolean(body: JsonObject, key: string, param = key): boolean | undefined {
  const value = body[key];
  if (value == null) return undefined;
  if (typeof value !== "boolean") throw badRequest(param, `expected true or false, got ${quote(value)}`);
  return value;
}

/** A string or a list of strings (OpenAI's `stop`), as a list. */
export function optionalStringList(body: JsonObject, key: string, maxItems: number, param = key): string[] | undefined {
  const value = body[key];
  if (value == null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string"))
    throw badRequest(param, "expected a string or a list of strings");
  if (list.length > maxItems) throw badRequest(param, `at most ${maxItems} entries, got ${list.length}`);
  if (list.some((item) => item === "")) throw badRequest(param, "entries must not be empty");
  return list as string[];
}

/** `prompt_type`, checked against h2oGPT's table here so a typo is a 400 before a generation slot is taken. */
export function optionalPromptType(body: JsonObject): string | undefined {
  const value = optionalString(body, "prompt_type", 64);
  if (value == null) return undefined;
  try {
    resolvePromptType(value);
  } catch (error) {
    if (error instanceof UnknownPromptTypeError) throw badRequest("prompt_type", `unknown prompt type ${quote(value)} (see h2ogpt prompt-types)`);
    throw error;
  }
  return value;
}

/** Edit distance (insertions, deletions, substitutions), for suggesting the field a client meant. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Refuses the first field not in `known`, naming the nearest known one: a misspelt `max_new_token` would
 * otherwise be dropped silently and the request answered with the default.
 */
export function rejectUnknownFields(body: JsonObject, known: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (known.has(key)) continue;
    // Names far longer than any known one cannot be near it; the cut keeps the comparison cheap.
    const name = key.slice(0, 64);
    let nearest: string | undefined;
    let best = Math.max(2, Math.floor(name.length / 3)) + 1;
    for (const candidate of known) {
      const distance = editDistance(name, candidate);
      if (distance < best) [nearest, best] = [candidate, distance];
    }
    throw new HttpError(400, `unknown field ${quote(key)}${nearest == null ? "" : `; did you mean ${nearest}?`}`, {
      param: key.slice(0, QUOTE_LIMIT),
      code: "unknown_field"
    });
  }
}
