import {randomBytes} from "node:crypto";
import type {PoolClient} from "pg";
import {PgDatabase, type Queryable} from "../db/index.js";
import {conversationOf, type ChatStore, type Conversation} from "./chat-store.js";
import {titleFrom, type AnswerMeta, type ChatSummary, type ExportedChat, type MessageStatus, type StoredChat, type StoredMessage} from "./history-store.js";
import type {SessionStore} from "./session-store.js";

interface ChatRow {
  id: string;
  title: string;
  models: string[];
  created_at: string;
  updated_at: string;
  settings: Record<string, unknown> | null;
}

interface MessageRow {
  id: string;
  turn: number;
  role: StoredMessage["role"];
  model: string | null;
  content: string;
  status: MessageStatus;
  meta: AnswerMeta | null;
  created_at: string;
}

const CHAT_COLUMNS = "id, title, models, created_at, updated_at, settings";
const MESSAGE_COLUMNS = "id, turn, role, model, content, status, meta, created_at";

function toSummary(row: ChatRow): ChatSummary {
  return {id: row.id, title: row.title, models: row.models, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at)};
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: Number(row.id),
    turn: row.turn,
    role: row.role,
    model: row.model,
    content: row.content,
    status: row.status,
    meta: row.meta,
    createdAt: Number(row.created_at)
  };
}

/** Answers left `streaming` by a replica that is gone (killed, crashed): marked interrupted, their text kept. */
const INTERRUPT_ORPHANS = `UPDATE messages SET status = 'interrupted'
  WHERE status = 'streaming' AND (replica IS NULL OR NOT ${PgDatabase.replicaAlive("replica")})`;

/**
 * Chat history and login sessions in the shared PostgreSQL database (`--db_url`), so any replica can serve a
 * user's next request. The same contract as HistoryStore: every statement filters on the owner; a change of
 * several rows is one transaction. An answer being streamed carries its replica's number; when that replica dies
 * its liveness lock goes with it, and the next read of the chat (on any replica) marks the answer interrupted
 * with the text saved so far, as a restarted SQLite server does at start.
 *
 * @example
 * const store = await PgHistoryStore.open(db);
 * const chat = await store.createChat("alice", {models: ["llama"]});
 */
export class PgHistoryStore implements ChatStore, SessionStore {
  private constructor(private readonly db: PgDatabase) {}

  static async open(db: PgDatabase): Promise<PgHistoryStore> {
    await db.query(INTERRUPT_ORPHANS);
    return new PgHistoryStore(db);
  }

  async listChats(owner: string): Promise<ChatSummary[]> {
    const {rows} = await this.db.query<ChatRow>(`SELECT ${CHAT_COLUMNS} FROM chats WHERE owner = $1 ORDER BY updated_at DESC, seq DESC`, [owner]);
    return rows.map(toSummary);
  }

  /** Case-insensitive (ILIKE); `%`, `_` and `\` in the query match themselves. */
  async searchChats(owner: string, query: string): Promise<ChatSummary[]> {
    const pattern = `%${query.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
    const {rows} = await this.db.query<ChatRow>(
      `SELECT ${CHAT_COLUMNS} FROM chats c WHERE owner = $1 AND (title ILIKE $2
         OR EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.content ILIKE $2))
       ORDER BY updated_at DESC, seq DESC`,
      [owner, pattern]
    );
    return rows.map(toSummary);
  }

  async createChat(owner: string, options: {models: string[]; title?: string}): Promise<ChatSummary> {
    const now = Date.now();
    const {rows} = await this.db.query<ChatRow>(
      `INSERT INTO chats (id, owner, title, models, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING ${CHAT_COLUMNS}`,
      [randomBytes(16).toString("base64url"), owner, titleFrom(options.title ?? ""), JSON.stringify(options.models), now]
    );
    return toSummary(rows[0]!);
  }

  private async chatRow(client: Queryable, owner: string, id: string, lock = false): Promise<ChatRow | undefined> {
    const {rows} = await client.query<ChatRow>(`SELECT ${CHAT_COLUMNS} FROM chats WHERE id = $1 AND owner = $2${lock ? " FOR UPDATE" : ""}`, [id, owner]);
    return rows[0];
  }

  async getChat(owner: string, id: string): Promise<StoredChat | undefined> {
    const row = await this.chatRow(this.db, owner, id);
    if (row == null) return undefined;
    await this.db.query(`${INTERRUPT_ORPHANS} AND chat_id = $1`, [id]);
    const {rows} = await this.db.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 ORDER BY turn, id`, [id]);
    return {...toSummary(row), messages: rows.map(toMessage), settings: row.settings};
  }

  async updateChat(owner: string, id: string, changes: {title?: string; models?: string[]; settings?: Record<string, unknown>}): Promise<boolean> {
    const {rowCount} = await this.db.query(
      `UPDATE chats SET title = coalesce($3, title), models = coalesce($4, models), settings = coalesce($5, settings), updated_at = $6
       WHERE id = $1 AND owner = $2`,
      [
        id,
        owner,
        changes.title == null ? null : titleFrom(changes.title),
        changes.models == null ? null : JSON.stringify(changes.models),
        changes.settings == null ? null : JSON.stringify(changes.settings),
        Date.now()
      ]
    );
    return (rowCount ?? 0) > 0;
  }

  async deleteChat(owner: string, id: string): Promise<boolean> {
    const {rowCount} = await this.db.query("DELETE FROM chats WHERE id = $1 AND owner = $2", [id, owner]);
    return (rowCount ?? 0) > 0;
  }

  async deleteAllChats(owner: string): Promise<number> {
    const {rowCount} = await this.db.query("DELETE FROM chats WHERE owner = $1", [owner]);
    return rowCount ?? 0;
  }

  async exportChats(owner: string): Promise<ExportedChat[]> {
    await this.db.query(`${INTERRUPT_ORPHANS} AND chat_id IN (SELECT id FROM chats WHERE owner = $1)`, [owner]);
    const chats = await this.db.query<ChatRow>(`SELECT ${CHAT_COLUMNS} FROM chats WHERE owner = $1 ORDER BY created_at, seq`, [owner]);
    const messages = await this.db.query<MessageRow & {chat_id: string}>(
      `SELECT m.chat_id, ${MESSAGE_COLUMNS.split(", ").map((c) => "m." + c).join(", ")} FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.owner = $1 ORDER BY m.turn, m.id`,
      [owner]
    );
    const byChat = new Map<string, MessageRow[]>();
    for (const row of messages.rows) byChat.set(row.chat_id, [...(byChat.get(row.chat_id) ?? []), row]);
    return chats.rows.map((row) => ({
      id: row.id,
      title: row.title,
      created_at: Number(row.created_at),
      updated_at: Number(row.updated_at),
      models: row.models,
      ...(row.settings == null ? {} : {settings: row.settings}),
      messages: (byChat.get(row.id) ?? []).map((m) => ({
        turn: m.turn,
        role: m.role,
        model: m.model,
        content: m.content,
        status: m.status,
        meta: m.meta,
        created_at: Number(m.created_at)
      }))
    }));
  }

  /** Adds the chats under new ids in one transaction: all or none. A streaming answer in the export is stored as interrupted. */
  importChats(owner: string, chats: readonly ExportedChat[]): Promise<ChatSummary[]> {
    return this.db.transaction(async (client) => {
      const out: ChatSummary[] = [];
      for (const chat of chats) {
        const {rows} = await client.query<ChatRow>(
          `INSERT INTO chats (id, owner, title, models, created_at, updated_at, settings) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CHAT_COLUMNS}`,
          [
            randomBytes(16).toString("base64url"),
            owner,
            titleFrom(chat.title),
            JSON.stringify(chat.models),
            chat.created_at,
            chat.updated_at,
            chat.settings == null ? null : JSON.stringify(chat.settings)
          ]
        );
        const id = rows[0]!.id;
        for (const m of chat.messages)
          await client.query(
            "INSERT INTO messages (chat_id, turn, role, model, content, status, meta, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [id, m.turn, m.role, m.model, m.content, m.status === "streaming" ? "interrupted" : m.status, m.meta == null ? null : JSON.stringify(m.meta), m.created_at]
          );
        out.push(toSummary(rows[0]!));
      }
      return out;
    });
  }

  private async lastTurn(client: PoolClient, chatId: string): Promise<number> {
    const {rows} = await client.query<{turn: number | null}>("SELECT max(turn) AS turn FROM messages WHERE chat_id = $1", [chatId]);
    return rows[0]!.turn ?? 0;
  }

  /** The chat row is locked first, so two replicas adding to one chat at once get consecutive turns. */
  appendUserMessage(owner: string, chatId: string, content: string): Promise<StoredMessage | undefined> {
    return this.db.transaction(async (client) => {
      const chat = await this.chatRow(client, owner, chatId, true);
      if (chat == null) return undefined;
      const now = Date.now();
      const turn = (await this.lastTurn(client, chatId)) + 1;
      const {rows} = await client.query<MessageRow>(
        `INSERT INTO messages (chat_id, turn, role, model, content, status, meta, created_at) VALUES ($1, $2, 'user', NULL, $3, 'complete', NULL, $4)
         RETURNING ${MESSAGE_COLUMNS}`,
        [chatId, turn, content, now]
      );
      await client.query("UPDATE chats SET title = CASE WHEN title = '' THEN $2 ELSE title END, updated_at = $3 WHERE id = $1", [chatId, titleFrom(content), now]);
      return toMessage(rows[0]!);
    });
  }

  async conversationFor(owner: string, chatId: string, model: string): Promise<Conversation | undefined> {
    const chat = await this.getChat(owner, chatId);
    return chat == null ? undefined : conversationOf(chat, model);
  }

  startAnswer(owner: string, chatId: string, turn: number, model: string): Promise<number | undefined> {
    return this.db.transaction(async (client) => {
      if ((await this.chatRow(client, owner, chatId, true)) == null) return undefined;
      await client.query("DELETE FROM messages WHERE chat_id = $1 AND turn = $2 AND role = 'assistant' AND model = $3", [chatId, turn, model]);
      const now = Date.now();
      const {rows} = await client.query<{id: string}>(
        `INSERT INTO messages (chat_id, turn, role, model, content, status, meta, created_at, replica)
         VALUES ($1, $2, 'assistant', $3, '', 'streaming', NULL, $4, $5) RETURNING id`,
        [chatId, turn, model, now, this.db.replicaId]
      );
      await client.query("UPDATE chats SET updated_at = $2 WHERE id = $1", [chatId, now]);
      return Number(rows[0]!.id);
    });
  }

  async saveAnswer(messageId: number, content: string, status: MessageStatus, meta?: AnswerMeta): Promise<void> {
    await this.db.query("UPDATE messages SET content = $2, status = $3, meta = $4 WHERE id = $1 AND role = 'assistant'", [
      messageId,
      content,
      status,
      meta == null ? null : JSON.stringify(meta)
    ]);
  }

  undo(owner: string, chatId: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if ((await this.chatRow(client, owner, chatId, true)) == null) return false;
      await client.query("DELETE FROM messages WHERE chat_id = $1 AND turn = $2", [chatId, await this.lastTurn(client, chatId)]);
      await client.query("UPDATE chats SET updated_at = $2 WHERE id = $1", [chatId, Date.now()]);
      return true;
    });
  }

  clear(owner: string, chatId: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if ((await this.chatRow(client, owner, chatId, true)) == null) return false;
      await client.query("DELETE FROM messages WHERE chat_id = $1", [chatId]);
      await client.query("UPDATE chats SET updated_at = $2 WHERE id = $1", [chatId, Date.now()]);
      return true;
    });
  }

  async createSession(tokenHash: string, user: string, expiresAt: number): Promise<void> {
    await this.db.query("INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)", [tokenHash, user, Date.now(), expiresAt]);
  }

  async sessionUser(tokenHash: string, now = Date.now()): Promise<string | undefined> {
    const {rows} = await this.db.query<{username: string; expires_at: string}>("SELECT username, expires_at FROM sessions WHERE token_hash = $1", [tokenHash]);
    const row = rows[0];
    if (row == null) return undefined;
    if (Number(row.expires_at) <= now) {
      await this.deleteSession(tokenHash);
      return undefined;
    }
    return row.username;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]);
  }

  async pruneSessions(allowed: (user: string) => boolean, now = Date.now()): Promise<void> {
    const {rows} = await this.db.query<{username: string}>("SELECT DISTINCT username FROM sessions");
    const gone = rows.map((row) => row.username).filter((user) => !allowed(user));
    await this.db.query("DELETE FROM sessions WHERE expires_at <= $1 OR username = ANY($2)", [now, gone]);
  }

  /** The database is the caller's (a server shares it with its other stores) and stays open. */
  close(): void {}
}
