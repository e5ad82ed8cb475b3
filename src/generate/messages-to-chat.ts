import {UsageError} from "../errors/index.js";

export interface Message {
  readonly role: string;
  readonly content: string;
}

export interface ChatFromMessages {
  /** The system messages' text (joined by blank lines), or undefined when there are none. */
  readonly systemPrompt?: string;
  /** Earlier exchanges, oldest first; an exchange without a user message has null there. */
  readonly history: [string | null, string][];
  /** The last user message: the one to answer. */
  readonly instruction: string;
}

/** A message list that cannot become a chat; names the offending message. */
export class MessagesError extends UsageError {
  constructor(
    readonly index: number,
    reason: string
  ) {
    super(`messages[${index}]: ${reason}`);
  }
}

const ROLES = new Set(["system", "developer", "user", "assistant"]);

/**
 * OpenAI-style messages as h2oGPT's (system prompt, history, instruction): system (and `developer`) messages
 * become the system prompt, user/assistant messages pair up in order (consecutive messages of one role are
 * joined by a newline), and the last message must be the user's.
 */
export function messagesToChat(messages: readonly Message[]): ChatFromMessages {
  if (!Array.isArray(messages) || messages.length === 0) throw new MessagesError(0, "at least one message is needed");
  const system: string[] = [];
  const turns: {role: "user" | "assistant"; content: string}[] = [];
  messages.forEach((message, index) => {
    if (message == null || typeof message !== "object") throw new MessagesError(index, "expected {role, content}");
    if (!ROLES.has(message.role)) throw new MessagesError(index, `unknown role '${String(message.role)}' (expected system, user or assistant)`);
    if (typeof message.content !== "string") throw new MessagesError(index, "content must be text");
    if (message.role === "system" || message.role === "developer") {
      system.push(message.content);
      return;
    }
    const role = message.role as "user" | "assistant";
    const last = turns.at(-1);
    if (last?.role === role) last.content += `\n${message.content}`;
    else turns.push({role, content: message.content});
  });
  const pending = turns.pop();
  if (pending?.role !== "user") throw new MessagesError(messages.length - 1, "the last message must be the user's (the one to answer)");
  const history: [string | null, string][] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === "user") {
      const answer = turns[i + 1];
      history.push([turn.content, answer?.role === "assistant" ? answer.content : ""]);
      if (answer?.role === "assistant") i++;
    } else {
      history.push([null, turn.content]);
    }
  }
  return {...(system.length > 0 ? {systemPrompt: system.join("\n\n")} : {}), history, instruction: pending.content};
}
