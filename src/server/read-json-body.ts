import type {Context} from "hono";
import {quote} from "./field-readers.js";
import {HttpError} from "./http-error.js";

/** The deepest nesting of arrays and objects a request body may have; real requests stay under 10. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `text` nests arrays and objects deeper than `limit`, found by one scan without recursion.
 *
 * Threat model: a body of a few kilobytes such as `[[[[...]]]]` nested thousands deep parses fine, but every
 * later step that walks a value recursively (error messages quoting it, `String(value)`, JSON.stringify) can
 * overflow the stack and turn a bad request into a 500. Refusing such bodies before parsing keeps every value
 * the server handles shallow. Brackets inside strings are skipped; the text need not be valid JSON.
 */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}

/**
 * The request body as JSON. Requiring `application/json` also keeps plain HTML forms on other sites from
 * posting to the API (they cannot send that type without a CORS preflight, which this server never grants).
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type))
    throw new HttpError(415, `expected Content-Type: application/json, got ${type === "" ? "none" : quote(type)}`, {code: "unsupported_media_type"});
  const text = await c.req.text();
  if (nestedDeeperThan(text, MAX_JSON_DEPTH))
    throw new HttpError(400, `body: nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`, {code: "too_deeply_nested"});
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `body: not valid JSON (${(error as Error).message})`, {code: "invalid_json"});
  }
}
