import {Hono, type Context} from "hono";
import {bodyLimit} from "hono/body-limit";
import {streamSSE} from "hono/streaming";
import type {AppEnv} from "./access-control.js";
import {parseChatImport} from "./chat-import.js";
import {asObject, badRequest, optionalString, requiredString} from "./field-readers.js";
import type {CollectionManager} from "../docs/index.js";
import {sourceFields} from "../generate/index.js";
import {documentOptionsFor} from "./document-request.js";
import {parseGenerate} from "./h2ogpt-request.js";
import type {ChatStore} from "./chat-store.js";
import type {AnswerMeta, MessageStatus} from "./history-store.js";
import {HttpError} from "./http-error.js";
import type {ModelRegistry} from "./model-registry.js";
import type {RequestLimits} from "./request-limits.js";
import {readJsonBody} from "./read-json-body.js";
import {toLoggedHttpError} from "./to-http-error.js";
import {jsonEvent} from "./sse-event.js";
import type {AnswerScorer} from "./answer-scorer.js";

/**
 * The web UI's chat API, always scoped to the caller: list/search/create/rename/delete chats (one or all, the
 * latter only with `{confirm: true}`), export and import them (chat-import.ts), add a user message, stream a
 * model's answer to the latest message (stored as it streams), undo the last turn, clear a chat. A chat id that
 * is not the caller's answers 404 exactly like a missing one. Compare is one answer request per model of the chat.
 *
 * `POST /api/chats/:id/answer` streams SSE: `start` `{message_id, model, turn}`, `delta` `{text}`, then `done`
 * `{status, meta, content, prompt_raw}` (with `--score_model`, then `score` `{score, score_text}`) or `error` `{error}`. Closing the connection (the UI's Stop, Esc) aborts the generation, frees
 * its slot, and keeps the text so far with status `stopped`.
 *
 * The server cannot know how much of that text reached the user: deltas written just before the Stop may still be
 * on the wire or in the browser's buffers when the client drops the connection. So after a Stop the UI posts what
 * it showed (`POST /api/chats/:id/answer/:messageId/shown` `{content}`), and the stopped answer is saved as exactly
 * that, provided it is a start of the generated text (never other text).
 */

const SAVE_INTERVAL_MS = 500;
const MAX_MESSAGE_LENGTH = 200_000;
const CHAT_ID = /^[A-Za-z0-9_-]{22}$/;
/** An import may be larger than other requests (a whole history): the default cap for it. */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;
/** The most settings a chat keeps, as JSON text. */
const MAX_SETTINGS_BYTES = 64 * 1024;
const MAX_QUERY_LENGTH = 1000;

function notFound(): HttpError {
  return new HttpError(404, "no such chat", {code: "chat_not_found"});
}

function chatId(c: Context<AppEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!CHAT_ID.test(id)) throw notFound();
  return id;
}

function readModels(body: Record<string, unknown>, registry: ModelRegistry): string[] | undefined {
  const value = body.models;
  if (value == null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > registry.names.length)
    throw badRequest("models", `expected a list of 1 to ${registry.names.length} served model names`);
  if (new Set(value).size !== value.length) throw badRequest("models", "a model is named twice");
  return value.map((name, index) => {
    if (typeof name !== "string" || !registry.names.includes(name))
      throw badRequest(`models[${index}]`, `not a served model (${registry.names.join(", ")})`, "model_not_found");
    return name;
  });
}

/** A chat's own settings (the UI's system prompt, context...): any JSON object, stored as given. */
function readSettings(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (body.settings == null) return undefined;
  const settings = asObject(body.settings, "settings");
  const size = Buffer.byteLength(JSON.stringify(settings));
  if (size > MAX_SETTINGS_BYTES) throw badRequest("settings", `at most ${MAX_SETTINGS_BYTES} bytes as JSON, got ${size}`);
  return settings;
}

/** A stopped answer's generated text cut to what the user saw, when the UI said so and it is a start of the text. */
function shownPart(text: string, shown: string | undefined): string {
  return shown != null && text.startsWith(shown) ? shown : text;
}

export function chatRoutes(options: {
  registry: ModelRegistry;
  store: ChatStore;
  limits: RequestLimits;
  collections?: CollectionManager;
  defaultLangchainMode?: string;
  /** Largest chat import in bytes (default MAX_IMPORT_BYTES). */
  maxImportBytes?: number;
  /** `--score_model`: a complete answer is followed by a `score` event `{score, score_text}`. */
  scorer?: AnswerScorer;
}): Hono<AppEnv> {
  const {registry, store, limits} = options;
  const app = new Hono<AppEnv>();
  const user = (c: Context<AppEnv>): string => c.get("principal").user;
  /** Answers still streaming, by message id: where a Stop's shown text waits until the stream saves. */
  const streaming = new Map<number, {owner: string; chatId: string; shown?: string}>();

  app.get("/", async (c) => {
    const query = c.req.query("q") ?? "";
    if (query.length > MAX_QUERY_LENGTH) throw badRequest("q", `at most ${MAX_QUERY_LENGTH} characters`);
    return c.json({chats: query.trim() === "" ? await store.listChats(user(c)) : await store.searchChats(user(c), query)});
  });

  app.delete("/", async (c) => {
    const body = asObject(await readJsonBody(c), "body");
    if (body.confirm !== true) throw badRequest("confirm", "send {\"confirm\": true} to delete every chat", "confirmation_required");
    return c.json({deleted: await store.deleteAllChats(user(c))});
  });

  app.get("/export", async (c) => {
    const exportedAt = new Date();
    c.header("Content-Disposition", `attachment; filename="h2ogpt-chats-${exportedAt.toISOString().slice(0, 10)}.json"`);
    c.header("Cache-Control", "no-store");
    return c.json({version: 1, exported_at: exportedAt.toISOString(), chats: await store.exportChats(user(c))});
  });

  app.post(
    "/import",
    bodyLimit({
      maxSize: options.maxImportBytes ?? MAX_IMPORT_BYTES,
      onError: () => {
        throw new HttpError(413, `chat import larger than ${options.maxImportBytes ?? MAX_IMPORT_BYTES} bytes`, {code: "body_too_large", headers: {Connection: "close"}});
      }
    }),
    async (c) => {
      const chats = parseChatImport(await readJsonBody(c), Date.now());
      return c.json({imported: (await store.importChats(user(c), chats)).length}, 201);
    }
  );

  app.post("/", async (c) => {
    const body = asObject(await readJsonBody(c), "body");
    const models = readModels(body, registry) ?? [registry.names[0]!];
    return c.json(await store.createChat(user(c), {models, title: optionalString(body, "title", 1000)}), 201);
  });

  app.get("/:id", async (c) => {
    const chat = await store.getChat(user(c), chatId(c));
    if (chat == null) throw notFound();
    return c.json(chat);
  });

  app.patch("/:id", async (c) => {
    const id = chatId(c);
    const body = asObject(await readJsonBody(c), "body");
    const changes = {title: optionalString(body, "title", 1000), models: readModels(body, registry), settings: readSettings(body)};
    if (!(await store.updateChat(user(c), id, changes))) throw notFound();
    return c.json(await store.getChat(user(c), id));
  });

  app.delete("/:id", async (c) => {
    if (!(await store.deleteChat(user(c), chatId(c)))) throw notFound();
    return c.json({deleted: true});
  });

  app.post("/:id/messages", async (c) => {
    const id = chatId(c);
    const body = asObject(await readJsonBody(c), "body");
    const content = requiredString(body, "content", MAX_MESSAGE_LENGTH);
    if (content.trim() === "") throw badRequest("content", "must not be empty");
    const message = await store.appendUserMessage(user(c), id, content);
    if (message == null) throw notFound();
    return c.json(message, 201);
  });

  app.post("/:id/undo", async (c) => {
    if (!(await store.undo(user(c), chatId(c)))) throw notFound();
    return c.json({ok: true});
  });

  app.post("/:id/clear", async (c) => {
    if (!(await store.clear(user(c), chatId(c)))) throw notFound();
    return c.json({ok: true});
  });

  app.post("/:id/answer/:messageId/shown", async (c) => {
    const id = chatId(c);
    const owner = user(c);
    const messageId = Number(c.req.param("messageId"));
    const body = asObject(await readJsonBody(c), "body");
    const content = requiredString(body, "content", MAX_MESSAGE_LENGTH * 10);
    const active = streaming.get(messageId);
    if (active != null && active.owner === owner && active.chatId === id) {
      active.shown = content;
      return c.json({saved: "pending"});
    }
    const message = (await store.getChat(owner, id))?.messages.find((m) => m.id === messageId && m.role === "assistant");
    if (message == null) throw new HttpError(404, "no such answer", {code: "message_not_found"});
    // Only a stopped answer is cut, and only to a start of its own text.
    if (message.status !== "stopped" || !message.content.startsWith(content)) return c.json({saved: false});
    await store.saveAnswer(messageId, content, "stopped", message.meta ?? undefined);
    return c.json({saved: true});
  });

  app.post("/:id/answer", async (c) => {
    const id = chatId(c);
    const owner = user(c);
    const body = asObject(await readJsonBody(c), "body");
    const modelName = requiredString(body, "model", 256);
    if (!registry.names.includes(modelName)) throw badRequest("model", `not a served model (${registry.names.join(", ")})`, "model_not_found");
    const conversation = await store.conversationFor(owner, id, modelName);
    if (conversation == null) {
      if ((await store.getChat(owner, id)) == null) throw notFound();
      throw badRequest("messages", "the chat has no user message to answer");
    }
    const parsed = parseGenerate({...body, instruction: conversation.instruction, chat_conversation: conversation.history}, limits, options.defaultLangchainMode);
    // Map-reduce progress reaches the stream once it is open (the headers go out when the map prompts start).
    let progress: ((state: {stage: string; done: number; total: number}) => void) | undefined;
    const attached = await documentOptionsFor({request: parsed.documents, collections: options.collections, user: owner});
    const documents = attached == null ? undefined : {...attached, onProgress: (state: {stage: string; done: number; total: number}) => progress?.(state)};
    const entry = registry.resolve(modelName);
    const signal = c.req.raw.signal;
    const run = await registry.lease(entry, signal, (s) => entry.model.chat({...parsed.request, documents}, s));
    let messageId: number | undefined;
    try {
      messageId = await store.startAnswer(owner, id, conversation.turn, modelName);
    } finally {
      if (messageId == null) run.abort();
    }
    if (messageId == null) throw notFound();
    const answerId = messageId;

    const startedAt = Date.now();
    let text = "";
    let lastSave = startedAt;
    const active: {owner: string; chatId: string; shown?: string} = {owner, chatId: id};
    streaming.set(answerId, active);
    const finish = async (status: MessageStatus, meta: AnswerMeta): Promise<void> => {
      await store.saveAnswer(answerId, status === "stopped" ? shownPart(text, active.shown) : text, status, meta);
      streaming.delete(answerId);
    };

    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (sse) => {
      try {
        await sse.writeSSE({event: "start", data: JSON.stringify({message_id: answerId, model: modelName, turn: conversation.turn})});
        progress = (state) => void sse.writeSSE({event: "progress", data: JSON.stringify(state)}).catch(() => undefined);
        for await (const delta of run.stream) {
          if (delta === "") continue;
          text += delta;
          if (Date.now() - lastSave >= SAVE_INTERVAL_MS) {
            await store.saveAnswer(answerId, text, "streaming");
            lastSave = Date.now();
          }
          await sse.write(jsonEvent(`{"text":${JSON.stringify(delta)}}`, "delta"));
        }
        const outcome = await run.result;
        text = outcome.response;
        const meta: AnswerMeta = {
          promptTokens: outcome.promptTokens,
          completionTokens: outcome.completionTokens,
          maxNewTokens: outcome.maxNewTokens,
          stopReason: outcome.stopReason,
          turnsDropped: outcome.turnsDropped,
          promptRaw: outcome.promptRaw,
          timeMs: Date.now() - startedAt,
          ...(outcome.langchainMode == null
            ? {}
            : {
                langchainMode: outcome.langchainMode,
                note: outcome.note,
                // History keeps where each source is, not its text: the viewer fetches the chunk.
                sources: (outcome.sources ?? []).map((hit) => {
                  const {content: _content, ...cited} = sourceFields(hit);
                  return cited;
                })
              })
        };
        const status: MessageStatus = signal.aborted || outcome.stopReason === "abort" ? "stopped" : "complete";
        await finish(status, meta);
        await sse.writeSSE({event: "done", data: JSON.stringify({status, meta, content: text, prompt_raw: outcome.promptRaw})});
        // Scored after `done`, so the answer is never held back for it.
        if (options.scorer != null && status === "complete") {
          const score = await options.scorer.score(conversation.instruction, text);
          await store.saveAnswer(answerId, text, status, {...meta, score: score.score, scoreText: score.score_text});
          await sse.writeSSE({event: "score", data: JSON.stringify(score)});
        }
      } catch (error) {
        run.abort();
        if (signal.aborted) {
          await finish("stopped", {stopReason: "abort", timeMs: Date.now() - startedAt});
          return;
        }
        const http = toLoggedHttpError(error);
        await finish("error", {error: http.message, timeMs: Date.now() - startedAt});
        await sse.writeSSE({event: "error", data: JSON.stringify(http.toBody())});
      }
    });
  });

  return app;
}
