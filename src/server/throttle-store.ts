import type {Awaitable} from "./chat-store.js";

/** A failure counter: how many failures, and when the last was. */
export interface ThrottleEntry {
  readonly failures: number;
  readonly lastAt: number;
}

/**
 * The login throttle's failure counters (login-throttle.ts keeps the policy): MemoryThrottleStore for one process,
 * PgThrottleStore (`--db_url`) so guesses spread over replicas are counted as one. A counter whose last failure is
 * `windowMs` old counts as none.
 */
export interface ThrottleStore {
  /**
   * Atomically reads the counters of `keys` and asks `decide` how long to wait; when it says 0, counts a failure on
   * each key. Returns the wait. No other reservation of the same keys runs in between (on any replica).
   */
  reserve(keys: readonly string[], decide: (entries: readonly (ThrottleEntry | undefined)[]) => number, now: number, windowMs: number): Awaitable<number>;
  read(key: string, now: number, windowMs: number): Awaitable<ThrottleEntry | undefined>;
  /** Counts one failure on `key`. */
  count(key: string, now: number, windowMs: number): Awaitable<void>;
  /** A success: `remove` counters are forgotten, `uncount` ones lose one failure. */
  forgive(options: {remove: readonly string[]; uncount: readonly string[]}): Awaitable<void>;
}

/**
 * The counters in a Map (one process). Re-inserting on each failure keeps the map in least-recently-failed order,
 * so beyond `maxEntries` the stalest counters are dropped.
 *
 * @example
 * const throttle = new LoginThrottle({store: new MemoryThrottleStore({maxEntries: 1000})});
 */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly entries = new Map<string, ThrottleEntry>();
  private readonly maxEntries: number;

  constructor(options: {maxEntries?: number} = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  reserve(keys: readonly string[], decide: (entries: readonly (ThrottleEntry | undefined)[]) => number, now: number, windowMs: number): number {
    const wait = decide(keys.map((key) => this.read(key, now, windowMs)));
    if (wait === 0) for (const key of keys) this.count(key, now, windowMs);
    return wait;
  }

  read(key: string, now: number, windowMs: number): ThrottleEntry | undefined {
    const entry = this.entries.get(key);
    if (entry != null && now - entry.lastAt >= windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  count(key: string, now: number, windowMs: number): void {
    const failures = this.read(key, now, windowMs)?.failures ?? 0;
    this.entries.delete(key);
    this.entries.set(key, {failures: failures + 1, lastAt: now});
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  forgive(options: {remove: readonly string[]; uncount: readonly string[]}): void {
    for (const key of options.remove) this.entries.delete(key);
    for (const key of options.uncount) {
      const entry = this.entries.get(key);
      if (entry == null) continue;
      if (entry.failures <= 1) this.entries.delete(key);
      else this.entries.set(key, {...entry, failures: entry.failures - 1});
    }
  }
}
