import {HttpError} from "./http-error.js";

/**
 * Readers for JSON request fields. Each names the field it rejects (`messages[1].content: expected a string`),
 * so a client sees exactly what to fix; a missing optional field reads as undefined, and `null` counts as missing
 * because OpenAI clients send explicit nulls.
 */

export type JsonObject = Record<string, unknown>;

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
  if (typeof value !== "number" || !Number.isFinite(value)) throw badRequest(param, `expected a number, got ${JSON.stringify(value)}`);
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
  if (typeof value !== "boolean") throw badRequest(param, `expected true or false, got ${JSON.stringify(value)}`);
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
