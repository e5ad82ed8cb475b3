import type {ChatMessage} from "./chat-template.js";
import {ConversationFormatError} from "./prompt-errors.js";

/** OpenAI `role` and ShareGPT `from` names, mapped to ours. */
const ROLES: Readonly<Record<string, ChatMessage["role"]>> = {
  system: "system",
  developer: "system",
  user: "user",
  human: "user",
  assistant: "assistant",
  gpt: "assistant"
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === "object" && !Array.isArray(value);
}

/** OpenAI content is a string or a list of parts; only text parts can go into a text prompt. */
function contentText(content: unknown, field: string): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((part, i) => {
        if (isRecord(part) && part.type === "text" && typeof part.text === "string") return part.text;
        throw new ConversationFormatError("bad-content", `${field}[${i}]`, "only text parts can be used");
      })
      .join("");
  throw new ConversationFormatError("bad-content", field, `expected text, got ${content === null ? "null" : typeof content}`);
}

/**
 * OpenAI `messages` ([{role, content}], roles system/developer/user/assistant) or ShareGPT `conversations`
 * ([{from, value}], from system/human/gpt; user/assistant also accepted) as a list of messages.
 * `field` names the record's field in errors (e.g. `conversations[3].from`).
 */
export function normalizeConversation(value: unknown, field = "messages"): ChatMessage[] {
  if (!Array.isArray(value)) throw new ConversationFormatError("empty", field, "expected a list of messages");
  return value.map((item, i): ChatMessage => {
    const at = `${field}[${i}]`;
    if (!isRecord(item)) throw new ConversationFormatError("bad-content", at, "expected an object");
    const sharegpt = !("role" in item) && "from" in item;
    const roleKey = sharegpt ? "from" : "role";
    const name = item[roleKey];
    const role = typeof name === "string" ? ROLES[name] : undefined;
    if (role == null)
      throw new ConversationFormatError(
        "bad-role",
        `${at}.${roleKey}`,
        `${JSON.stringify(name ?? null)} is not ${sharegpt ? "system, human or gpt" : "system, user or assistant"}`
      );
    const contentKey = sharegpt ? "value" : "content";
    return {role, content: contentText(item[contentKey], `${at}.${contentKey}`)};
  });
}
