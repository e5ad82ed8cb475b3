import type {Context} from "hono";
import {HttpError} from "./http-error.js";

/**
 * The request body as JSON. Requiring `application/json` also keeps plain HTML forms on other sites from
 * posting to the API (they cannot send that type without a CORS preflight, which this server never grants).
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type))
    throw new HttpError(415, `expected Content-Type: application/json, got "${type || "none"}"`, {code: "unsupported_media_type"});
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `body: not valid JSON (${(error as Error).message})`, {code: "invalid_json"});
  }
}
