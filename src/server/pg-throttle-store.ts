import type {PgDatabase, Queryable} from "../db/index.js";
import type {ThrottleEntry, ThrottleStore} from "./throttle-store.js";

/** Advisory lock class for throttle keys (the second int is the key's hashtext). */
const THROTTLE_LOCK_CLASS = 0x68326f03;
/** Counters idle this long past their window are deleted, at most once a minute per process. */
const SWEEP_INTERVAL_MS = 60_000;

const UPSERT = `INSERT INTO throttle_counters (key, failures, last_at) VALUES ($1, 1, $2)
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN $2 - throttle_counters.last_at >= $3 THEN 1 ELSE throttle_counters.failures + 1 END,
    last_at = $2`;

/**
 * Login-throttle counters in the shared database, so guesses spread over several replicas are counted as one.
 * A reservation takes a transaction-level advisory lock per key (in sorted order, so two reservations cannot
 * deadlock), reads, decides and counts before committing: concurrent guesses on any replica are serialised.
 *
 * @example
 * const throttle = new LoginThrottle({store: new PgThrottleStore(db)});
 */
export class PgThrottleStore implements ThrottleStore {
  private lastSweep = 0;

  constructor(private readonly db: PgDatabase) {}

  reserve(keys: readonly string[], decide: (entries: readonly (ThrottleEntry | undefined)[]) => number, now: number, windowMs: number): Promise<number> {
    return this.db.transaction(async (client) => {
      for (const key of [...keys].sort()) await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [THROTTLE_LOCK_CLASS, key]);
      const entries = await Promise.all(keys.map((key) => this.readWith(client, key, now, windowMs)));
      const wait = decide(entries);
      if (wait === 0) for (const key of keys) await client.query(UPSERT, [key, now, windowMs]);
      return wait;
    });
  }

  read(key: string, now: number, windowMs: number): Promise<ThrottleEntry | undefined> {
    return this.readWith(this.db, key, now, windowMs);
  }

  private async readWith(client: Queryable, key: string, now: number, windowMs: number): Promise<ThrottleEntry | undefined> {
    const {rows} = await client.query<{failures: number; last_at: string}>("SELECT failures, last_at FROM throttle_counters WHERE key = $1", [key]);
    const row = rows[0];
    if (row == null || now - Number(row.last_at) >= windowMs) return undefined;
    return {failures: row.failures, lastAt: Number(row.last_at)};
  }

  async count(key: string, now: number, windowMs: number): Promise<void> {
    await this.db.query(UPSERT, [key, now, windowMs]);
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      await this.db.query("DELETE FROM throttle_counters WHERE last_at <= $1", [now - windowMs]);
    }
  }

  async forgive(options: {remove: readonly string[]; uncount: readonly string[]}): Promise<void> {
    await this.db.transaction(async (client) => {
      if (options.remove.length > 0) await client.query("DELETE FROM throttle_counters WHERE key = ANY($1)", [options.remove]);
      if (options.uncount.length > 0) {
        await client.query("UPDATE throttle_counters SET failures = failures - 1 WHERE key = ANY($1)", [options.uncount]);
        await client.query("DELETE FROM throttle_counters WHERE key = ANY($1) AND failures <= 0", [options.uncount]);
      }
    });
  }
}
