import {Hono} from "hono";
import {ContextOverflowError} from "../errors/index.js";
import type {AppEnv} from "./access-control.js";
import {asObject, optionalString} from "./field-readers.js";
import {parseGenerate} from "./h2ogpt-request.js";
import type {ChatStore} from "./chat-store.js";
import {HttpError} from "./http-error.js";
import type {ModelRegistry} from "./model-registry.js";
import {readJsonBody} from "./read-json-body.js";
import type {RequestLimits} from "./request-limits.js";

/**
 * `POST /api/tokenize_prompt`: the token budget of a message not yet sent ("prompt tokens / context" as the user
 * types). The body is what the UI sends for an answer (model, prompt_type, prompt_dict, system_prompt, context,
 * max_new_tokens...) plus `instruction` (the text typed so far, may be empty) and either `chat_conversation` or
 * `chat_id` (the caller's chat, whose turns become the history as the answer route builds it). The prompt is
 * planned exactly as generation plans it (src/generate's planGeneration), so history the answer would drop is
 * dropped here too. A prompt too long for the context is not an error here: `fits` is false and
 * `max_new_tokens` 0. Document chunks are not counted (they are retrieved only when answering).
 */

const CHAT_ID = /^[A-Za-z0-9_-]{22}$/;

export function tokenizePromptRoutes(options: {registry: ModelRegistry; store: ChatStore; limits: RequestLimits}): Hono<AppEnv> {
  const {registry, store, limits} = options;
  const app = new Hono<AppEnv>();

  app.post("/tokenize_prompt", async (c) => {
    const {chat_id: chatIdValue, ...body} = asObject(await readJsonBody(c), "body");
    const instruction = optionalString(body, "instruction") ?? "";
    // An empty message is still a budget (history, system prompt); generate itself requires some text.
    const parsed = parseGenerate({...body, instruction: "x"}, limits);
    const entry = registry.resolve(typeof body.model === "string" ? body.model : undefined);
    const input = parsed.request.input;
    let history = "history" in input ? input.history : [];
    if (chatIdValue != null) {
      const chatId = typeof chatIdValue === "string" && CHAT_ID.test(chatIdValue) ? chatIdValue : undefined;
      const chat = chatId == null ? undefined : await store.getChat(c.get("principal").user, chatId);
      if (chat == null) throw new HttpError(404, "chat_id: no such chat", {param: "chat_id", code: "chat_not_found"});
      // The new message becomes the next turn: every stored turn is history, each with this model's answer.
      const conversation = await store.conversationFor(c.get("principal").user, chat.id, entry.model.info.name);
      history = conversation == null ? [] : [...conversation.history, [conversation.instruction, answerOf(chat.messages, conversation.turn, entry.model.info.name)]];
    }
    if (entry.model.plan == null) throw new HttpError(501, `model ${entry.model.info.name} cannot plan prompts`, {code: "not_supported"});
    const request = {...parsed.request, input: {...input, history, instruction}};
    const context = entry.model.info.contextLength;
    try {
      const plan = await entry.model.plan(request);
      return c.json({prompt_tokens: plan.promptTokens, context: plan.contextLength, max_new_tokens: plan.maxNewTokens, turns_dropped: plan.turnsDropped, fits: true});
    } catch (error) {
      if (!(error instanceof ContextOverflowError)) throw error;
      return c.json({prompt_tokens: error.nPromptTokens, context, max_new_tokens: 0, turns_dropped: history.length, fits: false});
    }
  });

  return app;
}

/** The answer `model` gave to `turn` (else the turn's first answer, else ""), as the answer route's history takes it. */
function answerOf(messages: readonly {turn: number; role: string; model: string | null; content: string}[], turn: number, model: string): string {
  const answers = messages.filter((m) => m.turn === turn && m.role === "assistant");
  return (answers.find((m) => m.model === model) ?? answers[0])?.content ?? "";
}
