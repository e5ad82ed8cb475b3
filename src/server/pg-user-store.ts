import type {PgDatabase} from "../db/index.js";
import {matchApiKey} from "./api-keys.js";
import {KEY_USE_INTERVAL_MS, type ApiKeyRecord, type SeedOptions, type SeedSummary, type UserRecord, type UserStore} from "./user-store.js";

interface UserRow {
  username: string;
  password_hash: string;
  admin: boolean;
  created_at: string;
  updated_at: string;
}

interface KeyRow {
  identity: string;
  digest: Buffer;
  source: string;
  created_at: string;
  last_used_at: string | null;
}

const UPSERT_USER = `INSERT INTO users (username, password_hash, admin, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
  ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, admin = EXCLUDED.admin, updated_at = EXCLUDED.updated_at
  WHERE users.password_hash <> EXCLUDED.password_hash OR users.admin <> EXCLUDED.admin
  RETURNING (xmax = 0) AS inserted`;

function toUser(row: UserRow): UserRecord {
  return {username: row.username, passwordHash: row.password_hash, admin: row.admin, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at)};
}

function toKey(row: KeyRow): ApiKeyRecord {
  return {
    identity: row.identity,
    digest: row.digest,
    source: row.source,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at == null ? undefined : Number(row.last_used_at)
  };
}

/**
 * Users and API keys in the shared database (`--db_url`): every replica authenticates against the same rows, so
 * one started without `--auth` or `--api_keys` knows them all. Keys are read afresh for each check (a key pruned
 * on one replica stops working on all at once) and compared in constant time, as in memory. A key's last use is
 * written at most once a minute: the key as just read says when it was last written, and the UPDATE's condition
 * skips the write when another replica wrote in between (two requests at once).
 *
 * @example
 * const users = new PgUserStore(db);
 * await users.seed({users: [...(await loadAuthFile("auth.json")).users.values()]});
 */
export class PgUserStore implements UserStore {
  constructor(private readonly db: PgDatabase) {}

  seed(options: SeedOptions): Promise<SeedSummary> {
    const now = options.now ?? Date.now();
    return this.db.transaction(async (client) => {
      const usersAdded: string[] = [];
      const usersUpdated: string[] = [];
      let usersRemoved: string[] = [];
      let keysAdded = 0;
      let keysRemoved = 0;
      // In one order on every replica, so two seeding at once wait for each other instead of deadlocking.
      if (options.users != null) {
        for (const user of [...options.users].sort((x, y) => (x.username < y.username ? -1 : x.username > y.username ? 1 : 0))) {
          const {rows} = await client.query<{inserted: boolean}>(UPSERT_USER, [user.username, user.passwordHash, user.admin === true, now]);
          if (rows.length > 0) (rows[0]!.inserted ? usersAdded : usersUpdated).push(user.username);
        }
        if (options.prune === true) {
          const {rows} = await client.query<{username: string}>("DELETE FROM users WHERE NOT (username = ANY($1)) RETURNING username", [
            options.users.map((user) => user.username)
          ]);
          usersRemoved = rows.map((row) => row.username).sort();
        }
      }
      if (options.apiKeys != null) {
        for (const key of [...options.apiKeys].sort((x, y) => Buffer.compare(x.digest, y.digest))) {
          const {rowCount} = await client.query(
            "INSERT INTO api_keys (digest, identity, source, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING",
            [key.digest, key.identity, key.source, now]
          );
          keysAdded += rowCount ?? 0;
        }
        if (options.prune === true) {
          const {rowCount} = await client.query("DELETE FROM api_keys WHERE NOT (digest = ANY($1))", [options.apiKeys.map((key) => key.digest)]);
          keysRemoved = rowCount ?? 0;
        }
      }
      return {usersAdded, usersUpdated, usersRemoved, keysAdded, keysRemoved};
    });
  }

  async user(username: string): Promise<UserRecord | undefined> {
    const {rows} = await this.db.query<UserRow>("SELECT * FROM users WHERE username = $1", [username]);
    return rows[0] == null ? undefined : toUser(rows[0]);
  }

  async matchApiKey(presented: string): Promise<ApiKeyRecord | undefined> {
    // All keys, not a lookup by digest: the comparison then takes the same time whichever key (if any) matches.
    const {rows} = await this.db.query<KeyRow>("SELECT * FROM api_keys");
    return matchApiKey(rows.map(toKey), presented);
  }

  async keyUsed(key: ApiKeyRecord, now = Date.now()): Promise<void> {
    if (key.lastUsedAt != null && now - key.lastUsedAt < KEY_USE_INTERVAL_MS) return;
    await this.db.query("UPDATE api_keys SET last_used_at = $2 WHERE digest = $1 AND (last_used_at IS NULL OR last_used_at <= $2::bigint - $3::bigint)", [
      key.digest,
      now,
      KEY_USE_INTERVAL_MS
    ]);
  }

  async apiKey(identity: string): Promise<ApiKeyRecord | undefined> {
    const {rows} = await this.db.query<KeyRow>("SELECT * FROM api_keys WHERE identity = $1 ORDER BY created_at LIMIT 1", [identity]);
    return rows[0] == null ? undefined : toKey(rows[0]);
  }

  async counts(): Promise<{users: number; apiKeys: number}> {
    const {rows} = await this.db.query<{users: number; api_keys: number}>(
      "SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM api_keys)::int AS api_keys"
    );
    return {users: rows[0]!.users, apiKeys: rows[0]!.api_keys};
  }

  async principalNames(): Promise<ReadonlySet<string>> {
    const {rows} = await this.db.query<{name: string}>("SELECT username AS name FROM users UNION SELECT identity FROM api_keys");
    return new Set(rows.map((row) => row.name));
  }
}
