import type {
  AnswerMeta,
  ChatSummary,
  ExportedChat,
  HistoryPair,
  MessageStatus,
  StoredChat,
  StoredMessage
} from "./history-store.js";

/** A value now (SQLite answers synchronously) or later (PostgreSQL); callers always await it. */
export type Awaitable<T> = T | Promise<T>;

/** The conversation as one model saw it, for answering the latest user message. */
export interface Conversation {
  readonly history: HistoryPair[];
  readonly instruction: string;
  readonly turn: number;
}

/**
 * Chat history, per owner: HistoryStore (one SQLite file, the default) and PgHistoryStore (`--db_url`, shared by
 * replicas) implement it, and test/server/chat-store-suite.ts runs the same tests on both. Every method takes the
 * owner and filters on it, so another user's chat id behaves exactly like a missing one.
 */
export interface ChatStore {
  listChats(owner: string): Awaitable<ChatSummary[]>;
  searchChats(owner: string, query: string): Awaitable<ChatSummary[]>;
  createChat(owner: string, options: {models: string[]; title?: string}): Awaitable<ChatSummary>;
  getChat(owner: string, id: string): Awaitable<StoredChat | undefined>;
  updateChat(owner: string, id: string, changes: {title?: string; models?: string[]; settings?: Record<string, unknown>}): Awaitable<boolean>;
  deleteChat(owner: string, id: string): Awaitable<boolean>;
  deleteAllChats(owner: string): Awaitable<number>;
  exportChats(owner: string): Awaitable<ExportedChat[]>;
  importChats(owner: string, chats: readonly ExportedChat[]): Awaitable<ChatSummary[]>;
  appendUserMessage(owner: string, chatId: string, content: string): Awaitable<StoredMessage | undefined>;
  conversationFor(owner: string, chatId: string, model: string): Awaitable<Conversation | undefined>;
  startAnswer(owner: string, chatId: string, turn: number, model: string): Awaitable<number | undefined>;
  saveAnswer(messageId: number, content: string, status: MessageStatus, meta?: AnswerMeta): Awaitable<void>;
  undo(owner: string, chatId: string): Awaitable<boolean>;
  clear(owner: string, chatId: string): Awaitable<boolean>;
}

/**
 * The conversation in `chat` as `model` saw it: earlier turns as `[user, bot]` pairs (the model's own answer when
 * it gave one, else the first answer of that turn, else ""), and the latest user message. Undefined when the chat
 * has no user message.
 *
 * @example
 * conversationOf(chat, "llama"); // {history: [["Hi", "Hello!"]], instruction: "And now?", turn: 2}
 */
export function conversationOf(chat: StoredChat, model: string): Conversation | undefined {
  const turns = new Map<number, {user?: string; answers: StoredMessage[]}>();
  for (const message of chat.messages) {
    const entry = turns.get(message.turn) ?? {answers: []};
    if (message.role === "user") entry.user = message.content;
    else entry.answers.push(message);
    turns.set(message.turn, entry);
  }
  const ordered = [...turns.entries()].filter(([, t]) => t.user != null).sort(([a], [b]) => a - b);
  const last = ordered.pop();
  if (last == null) return undefined;
  const history = ordered.map(([, t]): HistoryPair => {
    const answer = t.answers.find((a) => a.model === model) ?? t.answers[0];
    return [t.user!, answer?.content ?? ""];
  });
  return {history, instruction: last[1].user!, turn: last[0]};
}
