import {matchApiKey, type ApiKey} from "./api-keys.js";
import type {AuthUser} from "./auth-file.js";
import type {Awaitable} from "./chat-store.js";

/** A user who may sign in with a password. */
export interface UserRecord {
  readonly username: string;
  readonly passwordHash: string;
  readonly admin: boolean;
  readonly createdAt: number;
  /** When the password hash or the admin flag last changed. */
  readonly updatedAt: number;
}

/** An API key, known only by its SHA-256 digest. */
export interface ApiKeyRecord {
  readonly identity: string;
  readonly digest: Buffer;
  /** The key file's path or H2OGPT_API_KEYS, as the replica that added it was given. */
  readonly source: string;
  readonly createdAt: number;
  /** Updated at most once a minute per key (KEY_USE_INTERVAL_MS), so a busy key costs no write per request. */
  readonly lastUsedAt: number | undefined;
}

/** What a seed changed: usernames (sorted), and counts of keys (a key has no name worth printing). */
export interface SeedSummary {
  readonly usersAdded: readonly string[];
  readonly usersUpdated: readonly string[];
  readonly usersRemoved: readonly string[];
  readonly keysAdded: number;
  readonly keysRemoved: number;
}

export interface SeedOptions {
  /** The `--auth` file's users; undefined when no file was given (then users are neither changed nor pruned). */
  readonly users?: readonly AuthUser[];
  /** The keys of `--api_keys` and H2OGPT_API_KEYS; undefined when none were given. */
  readonly apiKeys?: readonly ApiKey[];
  /** `--prune_users`: also remove the users (keys) that the given users (keys) do not list. */
  readonly prune?: boolean;
  readonly now?: number;
}

/** last_used_at is written at most this often per key. */
export const KEY_USE_INTERVAL_MS = 60_000;

/**
 * Who may sign in: users with password hashes and admin flags, and API keys. MemoryUserStore holds the files'
 * contents for one process; PgUserStore (`--db_url`) keeps them in the shared database, so a replica started
 * without `--auth` knows every user and key. Files seed the store at start: a user in the file gets the file's
 * hash and admin flag, a key in the files is added; nothing absent from the files is removed unless `prune`.
 */
export interface UserStore {
  seed(options: SeedOptions): Awaitable<SeedSummary>;
  user(username: string): Awaitable<UserRecord | undefined>;
  /** The key whose digest matches `presented`, compared in constant time against every key. */
  matchApiKey(presented: string): Awaitable<ApiKeyRecord | undefined>;
  /** Records a use of the key at `now` unless one was recorded less than KEY_USE_INTERVAL_MS before. */
  keyUsed(key: ApiKeyRecord, now?: number): Awaitable<void>;
  apiKey(identity: string): Awaitable<ApiKeyRecord | undefined>;
  counts(): Awaitable<{users: number; apiKeys: number}>;
  /** Every username and key identity: whose sessions may live on. */
  principalNames(): Awaitable<ReadonlySet<string>>;
}

/**
 * The users and keys of this process's files, in memory (the default without `--db_url`).
 *
 * @example
 * const users = new MemoryUserStore();
 * users.seed({users: [...(await loadAuthFile("auth.json")).users.values()], apiKeys: loadApiKeys({env: process.env.H2OGPT_API_KEYS})});
 * users.user("alice")?.admin; // false
 */
export class MemoryUserStore implements UserStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly keys = new Map<string, ApiKeyRecord>();

  seed(options: SeedOptions): SeedSummary {
    const now = options.now ?? Date.now();
    const usersAdded: string[] = [];
    const usersUpdated: string[] = [];
    const usersRemoved: string[] = [];
    let keysAdded = 0;
    let keysRemoved = 0;
    if (options.users != null) {
      for (const user of options.users) {
        const old = this.users.get(user.username);
        const admin = user.admin === true;
        if (old == null) {
          this.users.set(user.username, {username: user.username, passwordHash: user.passwordHash, admin, createdAt: now, updatedAt: now});
          usersAdded.push(user.username);
        } else if (old.passwordHash !== user.passwordHash || old.admin !== admin) {
          this.users.set(user.username, {...old, passwordHash: user.passwordHash, admin, updatedAt: now});
          usersUpdated.push(user.username);
        }
      }
      if (options.prune === true) {
        const listed = new Set(options.users.map((user) => user.username));
        for (const username of this.users.keys())
          if (!listed.has(username)) {
            this.users.delete(username);
            usersRemoved.push(username);
          }
      }
    }
    if (options.apiKeys != null) {
      for (const key of options.apiKeys) {
        const hex = key.digest.toString("hex");
        if (this.keys.has(hex)) continue;
        this.keys.set(hex, {identity: key.identity, digest: key.digest, source: key.source, createdAt: now, lastUsedAt: undefined});
        keysAdded++;
      }
      if (options.prune === true) {
        const listed = new Set(options.apiKeys.map((key) => key.digest.toString("hex")));
        for (const hex of this.keys.keys())
          if (!listed.has(hex)) {
            this.keys.delete(hex);
            keysRemoved++;
          }
      }
    }
    return {usersAdded: usersAdded.sort(), usersUpdated: usersUpdated.sort(), usersRemoved: usersRemoved.sort(), keysAdded, keysRemoved};
  }

  user(username: string): UserRecord | undefined {
    return this.users.get(username);
  }

  matchApiKey(presented: string): ApiKeyRecord | undefined {
    return matchApiKey([...this.keys.values()], presented);
  }

  keyUsed(key: ApiKeyRecord, now = Date.now()): void {
    const hex = key.digest.toString("hex");
    const current = this.keys.get(hex);
    if (current == null || (current.lastUsedAt != null && now - current.lastUsedAt < KEY_USE_INTERVAL_MS)) return;
    this.keys.set(hex, {...current, lastUsedAt: now});
  }

  apiKey(identity: string): ApiKeyRecord | undefined {
    return [...this.keys.values()].find((key) => key.identity === identity);
  }

  counts(): {users: number; apiKeys: number} {
    return {users: this.users.size, apiKeys: this.keys.size};
  }

  principalNames(): ReadonlySet<string> {
    return new Set([...this.users.keys(), ...[...this.keys.values()].map((key) => key.identity)]);
  }
}
