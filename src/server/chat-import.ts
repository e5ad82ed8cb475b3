import type {AnswerMeta, ExportedChat, ExportedMessage, MessageRole, MessageStatus} from "./history-store.js";
import {badRequest, quote} from "./field-readers.js";
import type {HttpError} from "./http-error.js";

/**
 * Reading a chat export back (`POST /api/chats/import`). The file comes from a user's disk and may have been
 * edited by hand, so every field is checked and the first bad one is named by its JSON path
 * (`chats[3].messages[0].role: expected "user" or "assistant"`); nothing is stored unless all of it is valid.
 */

export const EXPORT_VERSION = 1;
/** Caps that keep one import from filling the database; an export of a real history stays far below them. */
export const MAX_IMPORTED_CHATS = 10_000;
export const MAX_IMPORTED_MESSAGES = 10_000;
const MAX_TITLE = 1000;
const MAX_MODEL_NAME = 256;
const MAX_MODELS = 64;

const ROLES: readonly MessageRole[] = ["user", "assistant"];
const STATUSES: readonly MessageStatus[] = ["complete", "streaming", "stopped", "error", "interrupted"];

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (value == null || typeof value !== "object" || Array.isArray(value)) throw invalid(path, `expected a JSON object, got ${quote(value)}`);
  return value as Json;
}

function invalid(path: string, message: string): HttpError {
  return badRequest(path, message, "invalid_import");
}

function array(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(path, `expected a list, got ${quote(value)}`);
  if (value.length > max) throw invalid(path, `at most ${max} entries, got ${value.length}`);
  return value;
}

function string(value: unknown, path: string, max = Number.POSITIVE_INFINITY): string {
  if (typeof value !== "string") throw invalid(path, `expected a string, got ${quote(value)}`);
  if (value.length > max) throw invalid(path, `at most ${max} characters, got ${value.length}`);
  return value;
}

/** A time in milliseconds since 1970, as the export writes them; a missing one is `fallback`. */
function time(value: unknown, path: string, fallback: number): number {
  if (value == null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 8.64e15)
    throw invalid(path, `expected a time in milliseconds since 1970, got ${quote(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !allowed.includes(value as T))
    throw invalid(path, `expected ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, got ${quote(value)}`);
  return value as T;
}

function message(value: unknown, path: string, now: number): ExportedMessage {
  const m = object(value, path);
  const turn = m.turn;
  if (typeof turn !== "number" || !Number.isInteger(turn) || turn < 1 || turn > 1_000_000)
    throw invalid(`${path}.turn`, `expected a whole number from 1, got ${quote(turn)}`);
  const role = oneOf(m.role, `${path}.role`, ROLES);
  const model = m.model == null ? null : string(m.model, `${path}.model`, MAX_MODEL_NAME);
  if (role === "assistant" && model == null) throw invalid(`${path}.model`, "an assistant message needs the model that wrote it");
  return {
    turn,
    role,
    model: role === "user" ? null : model,
    content: string(m.content, `${path}.content`),
    status: m.status == null ? "complete" : oneOf(m.status, `${path}.status`, STATUSES),
    meta: m.meta == null ? null : (object(m.meta, `${path}.meta`) as AnswerMeta),
    created_at: time(m.created_at, `${path}.created_at`, now)
  };
}

function chat(value: unknown, path: string, now: number): ExportedChat {
  const c = object(value, path);
  if (c.id != null) string(c.id, `${path}.id`, 256);
  const created = time(c.created_at, `${path}.created_at`, now);
  const messages = array(c.messages ?? [], `${path}.messages`, MAX_IMPORTED_MESSAGES).map((m, i) => message(m, `${path}.messages[${i}]`, created));
  const models =
    c.models == null
      ? [...new Set(messages.flatMap((m) => (m.model == null ? [] : [m.model])))]
      : array(c.models, `${path}.models`, MAX_MODELS).map((name, i) => string(name, `${path}.models[${i}]`, MAX_MODEL_NAME));
  return {
    id: "",
    title: string(c.title ?? "", `${path}.title`, MAX_TITLE),
    created_at: created,
    updated_at: time(c.updated_at, `${path}.updated_at`, created),
    models,
    ...(c.settings == null ? {} : {settings: object(c.settings, `${path}.settings`)}),
    messages
  };
}

/**
 * The chats of an export (`{version: 1, exported_at, chats: [...]}`), validated; ids are dropped since the
 * store gives imported chats new ones. Throws a 400 naming the first bad field.
 *
 * @example
 * parseChatImport({version: 1, chats: [{title: "t", messages: [{turn: 1, role: "user", content: "hi"}]}]}, Date.now());
 */
export function parseChatImport(body: unknown, now: number): ExportedChat[] {
  const root = object(body, "body");
  if (root.version !== EXPORT_VERSION) throw invalid("version", `expected ${EXPORT_VERSION} (a chat export of this server), got ${quote(root.version)}`);
  return array(root.chats, "chats", MAX_IMPORTED_CHATS).map((c, i) => chat(c, `chats[${i}]`, now));
}
