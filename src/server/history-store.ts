import {randomBytes} from "node:crypto";
import {closeSync, existsSync, mkdirSync, openSync, statSync, type Stats} from "node:fs";
import {dirname} from "node:path";
import Database from "better-sqlite3";
import type {CitedSource} from "../generate/index.js";
import {InputFileError} from "../errors/index.js";
import {conversationOf, type ChatStore, type Conversation} from "./chat-store.js";
import type {SessionStore} from "./session-store.js";

/**
 * Server-side chat history and login sessions in one SQLite file.
 *
 * Durability: WAL journal with `synchronous=FULL`, one row per message (never one blob per chat), and an answer
 * row that is written when generation starts and updated as it streams. A process killed at any moment (kill -9)
 * keeps every committed row; on the next start answers left `streaming` are marked `interrupted` with the text
 * saved so far.
 *
 * Isolation (the Open WebUI chat-id IDOR, CVE-2026-45349): every read and write takes the owner and filters on
 * it in SQL, so another user's chat id behaves exactly like a missing one. Chat ids are also 128-bit random.
 */

export type MessageRole = "user" | "assistant";
export type MessageStatus = "complete" | "streaming" | "stopped" | "error" | "interrupted";

export interface AnswerMeta {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly maxNewTokens?: number;
  readonly stopReason?: string;
  readonly timeMs?: number;
  readonly turnsDropped?: number;
  /** The exact prompt the model was given (h2oGPT's prompt_raw), for "show the prompt sent". */
  readonly promptRaw?: string;
  readonly error?: string;
  /** Document Q&A: the collection, and the chunks the answer was given (h2oGPT's sources), best first. */
  readonly langchainMode?: string;
  readonly sources?: readonly AnswerSource[];
  /** Why the answer did not come from documents (none matched, sources only). */
  readonly note?: string;
  /** `--score_model`: h2oGPT's score of the answer (null for NA and the like) and the line shown under it. */
  readonly score?: number | null;
  readonly scoreText?: string;
}

/** A cited chunk as the UI shows it under an answer; `chunk_row_id` opens it in the document viewer. */
export type AnswerSource = CitedSource;

export interface StoredMessage {
  readonly id: number;
  readonly turn: number;
  readonly role: MessageRole;
  readonly model: string | null;
  readonly content: string;
  readonly status: MessageStatus;
  readonly meta: AnswerMeta | null;
  readonly createdAt: number;
}

export interface ChatSummary {
  readonly id: string;
  readonly title: string;
  readonly models: string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface StoredChat extends ChatSummary {
  readonly messages: StoredMessage[];
  /** What the UI saved with the chat (system prompt, context...); null when nothing. */
  readonly settings: Record<string, unknown> | null;
}

/** One past exchange as the generate stage takes it: `[user, bot]`. */
export type HistoryPair = [string, string];

/** One message in a chat export (`GET /api/chats/export`), in the API's snake_case. */
export interface ExportedMessage {
  readonly turn: number;
  readonly role: MessageRole;
  readonly model: string | null;
  readonly content: string;
  readonly status: MessageStatus;
  readonly meta: AnswerMeta | null;
  readonly created_at: number;
}

/** One chat in an export; on import the id is ignored (imported chats always get new ids). */
export interface ExportedChat {
  readonly id: string;
  readonly title: string;
  readonly created_at: number;
  readonly updated_at: number;
  readonly models: string[];
  /** The chat's own settings as the UI saved them (system prompt, context...), when it has any. */
  readonly settings?: Record<string, unknown>;
  readonly messages: ExportedMessage[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chats (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  title TEXT NOT NULL,
  models TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  settings TEXT
);
CREATE INDEX IF NOT EXISTS chats_by_owner ON chats(owner, updated_at DESC);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  turn INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  model TEXT,
  content TEXT NOT NULL,
  status TEXT NOT NULL,
  meta TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_chat ON messages(chat_id, turn, id);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
`;

const TITLE_LENGTH = 80;

interface MessageRow {
  id: number;
  turn: number;
  role: MessageRole;
  model: string | null;
  content: string;
  status: MessageStatus;
  meta: string | null;
  created_at: number;
}

interface ChatRow {
  id: string;
  title: string;
  models: string;
  created_at: number;
  updated_at: number;
}

function toSummary(row: ChatRow): ChatSummary {
  return {id: row.id, title: row.title, models: JSON.parse(row.models), createdAt: row.created_at, updatedAt: row.updated_at};
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    turn: row.turn,
    role: row.role,
    model: row.model,
    content: row.content,
    status: row.status,
    meta: row.meta == null ? null : JSON.parse(row.meta),
    createdAt: row.created_at
  };
}

export function titleFrom(text: string): string {
  const line = text.trim().split("\n")[0]!.trim();
  return line.length > TITLE_LENGTH ? line.slice(0, TITLE_LENGTH - 1) + "…" : line;
}

/**
 * Creates the missing folders above `path` one level at a time, after checking that the nearest existing one is
 * a folder. Node's recursive mkdir loops forever on a path it cannot create, such as one under /proc, and says
 * EEXIST for a path under a file; this says what is wrong instead.
 */
function makeParentFolders(path: string): void {
  // ENOTDIR: something above is a file, which the walk up then finds and names.
  const stat = (folder: string): Stats | undefined => {
    try {
      return statSync(folder, {throwIfNoEntry: false});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
      throw error;
    }
  };
  const missing: string[] = [];
  let folder = dirname(path);
  let found = stat(folder);
  while (found == null && dirname(folder) !== folder) {
    missing.unshift(folder);
    folder = dirname(folder);
    found = stat(folder);
  }
  if (found != null && !found.isDirectory()) throw new Error(`${folder} is not a folder`);
  for (const each of missing) mkdirSync(each);
}

/**
 * Creates the missing folders for a history database file, or throws an InputFileError saying why it cannot;
 * `serve` calls it before loading models so a bad --history_db fails at once.
 */
export function makeHistoryDbFolder(path: string): void {
  try {
    makeParentFolders(path);
  } catch (error) {
    throw new InputFileError(path, `cannot create the history database's folder (${(error as Error).message})`, {cause: error});
  }
}

export class HistoryStore implements ChatStore, SessionStore {
  private readonly db: Database.Database;

  private constructor(readonly path: string) {
    try {
      if (path !== ":memory:" && !existsSync(path)) {
        makeParentFolders(path);
        // Chats are private: only the server's user may read the file (SQLite gives -wal/-shm the same mode).
        closeSync(openSync(path, "a", 0o600));
      }
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma("busy_timeout = 5000");
      this.db.exec(SCHEMA);
      // Databases made before chats had settings.
      const columns = this.db.prepare("PRAGMA table_info(chats)").all() as {name: string}[];
      if (!columns.some((column) => column.name === "settings")) this.db.exec("ALTER TABLE chats ADD COLUMN settings TEXT");
    } catch (error) {
      throw new InputFileError(path, `cannot open the history database (${(error as Error).message})`, {cause: error});
    }
  }

  /** Opens (creating if needed) the database and marks answers a previous process left half-written. */
  static open(path: string): HistoryStore {
    const store = new HistoryStore(path);
    store.db.prepare("UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'").run();
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  listChats(owner: string): ChatSummary[] {
    const rows = this.db
      .prepare("SELECT id, title, models, created_at, updated_at FROM chats WHERE owner = ? ORDER BY updated_at DESC, rowid DESC")
      .all(owner) as ChatRow[];
    return rows.map(toSummary);
  }

  createChat(owner: string, options: {models: string[]; title?: string}): ChatSummary {
    const now = Date.now();
    const row: ChatRow = {
      id: randomBytes(16).toString("base64url"),
      title: titleFrom(options.title ?? ""),
      models: JSON.stringify(options.models),
      created_at: now,
      updated_at: now
    };
    this.db
      .prepare("INSERT INTO chats (id, owner, title, models, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(row.id, owner, row.title, row.models, row.created_at, row.updated_at);
    return toSummary(row);
  }

  private chatRow(owner: string, id: string): ChatRow | undefined {
    return this.db
      .prepare("SELECT id, title, models, created_at, updated_at FROM chats WHERE id = ? AND owner = ?")
      .get(id, owner) as ChatRow | undefined;
  }

  getChat(owner: string, id: string): StoredChat | undefined {
    const row = this.chatRow(owner, id);
    if (row == null) return undefined;
    const messages = this.db
      .prepare("SELECT * FROM messages WHERE chat_id = ? ORDER BY turn, id")
      .all(id) as MessageRow[];
    const {settings} = this.db.prepare("SELECT settings FROM chats WHERE id = ?").get(id) as {settings: string | null};
    return {...toSummary(row), messages: messages.map(toMessage), settings: settings == null ? null : JSON.parse(settings)};
  }

  /** Updates the title, the models and/or the settings; false when the chat is not this owner's. */
  updateChat(owner: string, id: string, changes: {title?: string; models?: string[]; settings?: Record<string, unknown>}): boolean {
    const row = this.chatRow(owner, id);
    if (row == null) return false;
    if (changes.settings != null) this.db.prepare("UPDATE chats SET settings = ? WHERE id = ?").run(JSON.stringify(changes.settings), id);
    this.db
      .prepare("UPDATE chats SET title = ?, models = ?, updated_at = ? WHERE id = ?")
      .run(
        changes.title == null ? row.title : titleFrom(changes.title),
        changes.models == null ? row.models : JSON.stringify(changes.models),
        Date.now(),
        id
      );
    return true;
  }

  deleteChat(owner: string, id: string): boolean {
    return this.db.prepare("DELETE FROM chats WHERE id = ? AND owner = ?").run(id, owner).changes > 0;
  }

  /**
   * The owner's chats whose title or any message contains `query`, newest first. Case-insensitive for ASCII
   * letters only (SQLite's LIKE); `%`, `_` and `\` in the query match themselves.
   */
  searchChats(owner: string, query: string): ChatSummary[] {
    const pattern = `%${query.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
    const rows = this.db
      .prepare(
        `SELECT id, title, models, created_at, updated_at FROM chats c WHERE owner = ? AND (title LIKE ? ESCAPE '\\'
         OR EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.content LIKE ? ESCAPE '\\'))
         ORDER BY updated_at DESC, rowid DESC`
      )
      .all(owner, pattern, pattern) as ChatRow[];
    return rows.map(toSummary);
  }

  /** Deletes every chat of the owner (messages go with them); returns how many. */
  deleteAllChats(owner: string): number {
    return this.db.prepare("DELETE FROM chats WHERE owner = ?").run(owner).changes;
  }

  /** Every chat of the owner with its messages, oldest first, for a download. */
  exportChats(owner: string): ExportedChat[] {
    const rows = this.db
      .prepare("SELECT id, title, models, created_at, updated_at, settings FROM chats WHERE owner = ? ORDER BY created_at, rowid")
      .all(owner) as (ChatRow & {settings: string | null})[];
    const messages = this.db.prepare("SELECT * FROM messages WHERE chat_id = ? ORDER BY turn, id");
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      created_at: row.created_at,
      updated_at: row.updated_at,
      models: JSON.parse(row.models),
      ...(row.settings == null ? {} : {settings: JSON.parse(row.settings)}),
      messages: (messages.all(row.id) as MessageRow[]).map((m) => ({
        turn: m.turn,
        role: m.role,
        model: m.model,
        content: m.content,
        status: m.status,
        meta: m.meta == null ? null : JSON.parse(m.meta),
        created_at: m.created_at
      }))
    }));
  }

  /**
   * Adds the chats (already validated) to the owner's, each under a new id, in one transaction: all or none.
   * Never overwrites; an answer that was streaming in the export is stored as interrupted.
   */
  importChats(owner: string, chats: readonly ExportedChat[]): ChatSummary[] {
    const insertChat = this.db.prepare("INSERT INTO chats (id, owner, title, models, created_at, updated_at, settings) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const insertMessage = this.db.prepare(
      "INSERT INTO messages (chat_id, turn, role, model, content, status, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    );
    return this.db.transaction(() =>
      chats.map((chat) => {
        const row: ChatRow = {
          id: randomBytes(16).toString("base64url"),
          title: titleFrom(chat.title),
          models: JSON.stringify(chat.models),
          created_at: chat.created_at,
          updated_at: chat.updated_at
        };
        insertChat.run(row.id, owner, row.title, row.models, row.created_at, row.updated_at, chat.settings == null ? null : JSON.stringify(chat.settings));
        for (const m of chat.messages)
          insertMessage.run(row.id, m.turn, m.role, m.model, m.content, m.status === "streaming" ? "interrupted" : m.status, m.meta == null ? null : JSON.stringify(m.meta), m.created_at);
        return toSummary(row);
      })
    )();
  }

  private touch(id: string): void {
    this.db.prepare("UPDATE chats SET updated_at = ? WHERE id = ?").run(Date.now(), id);
  }

  private lastTurn(chatId: string): number {
    const row = this.db.prepare("SELECT MAX(turn) AS turn FROM messages WHERE chat_id = ?").get(chatId) as {turn: number | null};
    return row.turn ?? 0;
  }

  /** Adds the user's next message; names an untitled chat after it. Undefined when the chat is not this owner's. */
  appendUserMessage(owner: string, chatId: string, content: string): StoredMessage | undefined {
    return this.db.transaction(() => {
      const chat = this.chatRow(owner, chatId);
      if (chat == null) return undefined;
      const now = Date.now();
      const turn = this.lastTurn(chatId) + 1;
      const info = this.db
        .prepare("INSERT INTO messages (chat_id, turn, role, model, content, status, meta, created_at) VALUES (?, ?, 'user', NULL, ?, 'complete', NULL, ?)")
        .run(chatId, turn, content, now);
      if (chat.title === "") this.db.prepare("UPDATE chats SET title = ? WHERE id = ?").run(titleFrom(content), chatId);
      this.touch(chatId);
      return toMessage({id: Number(info.lastInsertRowid), turn, role: "user", model: null, content, status: "complete", meta: null, created_at: now});
    })();
  }

  /**
   * The conversation as `model` saw it, for answering the latest user message: earlier turns as `[user, bot]`
   * pairs (the model's own answer when it gave one, else the first answer of that turn, else ""), and the
   * latest user message. Undefined when the chat is not this owner's or has no user message.
   */
  conversationFor(owner: string, chatId: string, model: string): Conversation | undefined {
    const chat = this.getChat(owner, chatId);
    return chat == null ? undefined : conversationOf(chat, model);
  }

  /** Replaces `model`'s answer to `turn` with an empty streaming one and returns its id. */
  startAnswer(owner: string, chatId: string, turn: number, model: string): number | undefined {
    return this.db.transaction(() => {
      if (this.chatRow(owner, chatId) == null) return undefined;
      this.db.prepare("DELETE FROM messages WHERE chat_id = ? AND turn = ? AND role = 'assistant' AND model = ?").run(chatId, turn, model);
      const info = this.db
        .prepare("INSERT INTO messages (chat_id, turn, role, model, content, status, meta, created_at) VALUES (?, ?, 'assistant', ?, '', 'streaming', NULL, ?)")
        .run(chatId, turn, model, Date.now());
      this.touch(chatId);
      return Number(info.lastInsertRowid);
    })();
  }

  /** Saves an answer's text so far (while streaming) or its final state. */
  saveAnswer(messageId: number, content: string, status: MessageStatus, meta?: AnswerMeta): void {
    this.db
      .prepare("UPDATE messages SET content = ?, status = ?, meta = ? WHERE id = ? AND role = 'assistant'")
      .run(content, status, meta == null ? null : JSON.stringify(meta), messageId);
  }

  /** Removes the last turn (the user's message and its answers), as h2oGPT's Undo does. */
  undo(owner: string, chatId: string): boolean {
    return this.db.transaction(() => {
      if (this.chatRow(owner, chatId) == null) return false;
      this.db.prepare("DELETE FROM messages WHERE chat_id = ? AND turn = ?").run(chatId, this.lastTurn(chatId));
      this.touch(chatId);
      return true;
    })();
  }

  /** Removes every message of the chat and keeps the chat. */
  clear(owner: string, chatId: string): boolean {
    return this.db.transaction(() => {
      if (this.chatRow(owner, chatId) == null) return false;
      this.db.prepare("DELETE FROM messages WHERE chat_id = ?").run(chatId);
      this.touch(chatId);
      return true;
    })();
  }

  createSession(tokenHash: string, user: string, expiresAt: number): void {
    this.db
      .prepare("INSERT INTO sessions (token_hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .run(tokenHash, user, Date.now(), expiresAt);
  }

  sessionUser(tokenHash: string, now = Date.now()): string | undefined {
    const row = this.db.prepare("SELECT user, expires_at FROM sessions WHERE token_hash = ?").get(tokenHash) as
      | {user: string; expires_at: number}
      | undefined;
    if (row == null) return undefined;
    if (row.expires_at <= now) {
      this.deleteSession(tokenHash);
      return undefined;
    }
    return row.user;
  }

  deleteSession(tokenHash: string): void {
    this.db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(tokenHash);
  }

  /** Ends every session of users no longer allowed in (removed from the auth file) and expired ones. */
  pruneSessions(allowed: (user: string) => boolean, now = Date.now()): void {
    const rows = this.db.prepare("SELECT token_hash, user, expires_at FROM sessions").all() as {token_hash: string; user: string; expires_at: number}[];
    const remove = this.db.prepare("DELETE FROM sessions WHERE token_hash = ?");
    this.db.transaction(() => {
      for (const row of rows) if (row.expires_at <= now || !allowed(row.user)) remove.run(row.token_hash);
    })();
  }
}
