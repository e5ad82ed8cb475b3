import type {Awaitable} from "./chat-store.js";

/**
 * Login sessions, by the SHA-256 digest of their token (access-control.ts): HistoryStore (SQLite) and
 * PgHistoryStore (`--db_url`, so a session made on one replica is valid on every other) implement it.
 */
export interface SessionStore {
  createSession(tokenHash: string, user: string, expiresAt: number): Awaitable<void>;
  /** The session's user, or undefined when there is none or it expired (an expired one is removed). */
  sessionUser(tokenHash: string, now?: number): Awaitable<string | undefined>;
  deleteSession(tokenHash: string): Awaitable<void>;
  /** Ends every session of users no longer allowed in (removed from the auth file) and expired ones. */
  pruneSessions(allowed: (user: string) => boolean, now?: number): Awaitable<void>;
}
