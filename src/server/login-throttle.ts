import {MemoryThrottleStore, type ThrottleEntry, type ThrottleStore} from "./throttle-store.js";

/**
 * Slows online guessing of passwords and API keys without letting anyone lock the real user out.
 *
 * Threat model: a network client guessing a user's password (from one address or many, with many requests at once),
 * scanning for API keys, or failing on purpose to lock a named user (or everyone behind a shared address) out.
 * - A password attempt is counted when it starts, before the ~0.3 s scrypt verification, so requests sent at once
 *   cannot all pass the check before the first failure is recorded; a success gives its reservation back.
 * - Failures count per (username, client) pair: after `pairFreeFailures`, each further attempt of that pair must
 *   wait twice as long as the one before (1 s, 2 s, 4 s, ... up to `maxPairDelayMs`), else 429 with Retry-After,
 *   unverified and uncounted. The real user at another address has a pair of its own and is not slowed.
 * - A much higher ceiling per username over all clients (`userFreeFailures`) bounds a guesser with many addresses;
 *   beyond it every attempt for that user is slowed the same way but never by more than `maxUserDelayMs`, so a
 *   botnet can delay the real user's logins by at most that, not lock them out. Issued sessions and API keys keep
 *   working.
 * - Verifications in flight are capped per username and per client (each holds 32 MiB and a thread-pool thread).
 * - Failed API keys count per client: after `keyFreeFailures` the client waits the same doubling delay (up to
 *   `maxKeyDelayMs`) before any key, valid or not, is checked again. Matching is synchronous, so check and count
 *   cannot interleave.
 * Clients are told apart as client-address.ts says (X-Forwarded-For only from trusted proxies, IPv6 per /64). A
 * counter is forgotten `windowMs` after its last failure; the in-memory table never holds more than `maxEntries`
 * counters. With `--db_url` the counters are in the shared database, so replicas throttle as one.
 */

export interface LoginThrottleOptions {
  /** Failed password attempts one (user, client) pair may make before it is slowed. Default 5. */
  readonly pairFreeFailures?: number;
  /** The longest wait between a slowed pair's attempts. Default 15 minutes. */
  readonly maxPairDelayMs?: number;
  /** Failed password attempts for one user from all clients before every attempt for it is slowed. Default 100. */
  readonly userFreeFailures?: number;
  /** The longest wait the per-user ceiling imposes. Default 1 minute. */
  readonly maxUserDelayMs?: number;
  /** Password verifications at once for one username (in this process). Default 2. */
  readonly maxInFlightPerUser?: number;
  /** Password verifications at once from one client (in this process). Default 4. */
  readonly maxInFlightPerClient?: number;
  /** Wrong API keys one client may send before it is slowed. Default 20. */
  readonly keyFreeFailures?: number;
  /** The longest wait between a slowed client's API key attempts. Default 5 minutes. */
  readonly maxKeyDelayMs?: number;
  /** A counter is forgotten this long after its last failure. Default 1 hour. */
  readonly windowMs?: number;
  /** Counters kept by the default in-memory store. */
  readonly maxEntries?: number;
  /** Where the failure counters live: this process's memory (default) or the shared database (PgThrottleStore). */
  readonly store?: ThrottleStore;
}

/** A password attempt: allowed (settle it once verified) or refused for `retryAfterSeconds`. */
export type PasswordAttempt =
  | {readonly allowed: true; settle(succeeded: boolean): Promise<void>}
  | {readonly allowed: false; readonly retryAfterSeconds: number};

interface Policy {
  readonly free: number;
  readonly maxDelayMs: number;
}

const FIRST_DELAY_MS = 1000;

/**
 * The policy above over a ThrottleStore. Counters live in the store (shared by replicas with PostgreSQL); the
 * verifications in flight are this process's own, since what they bound (memory, thread-pool threads) is too.
 *
 * @example
 * const attempt = await throttle.attemptPassword("alice", "203.0.113.9");
 * if (attempt.allowed) await attempt.settle(await verifyPassword(password, hash));
 */
export class LoginThrottle {
  private readonly store: ThrottleStore;
  private readonly inFlight = new Map<string, number>();
  private readonly pair: Policy;
  private readonly user: Policy;
  private readonly key: Policy;
  private readonly maxInFlightPerUser: number;
  private readonly maxInFlightPerClient: number;
  private readonly windowMs: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.pair = {free: options.pairFreeFailures ?? 5, maxDelayMs: options.maxPairDelayMs ?? 15 * 60_000};
    this.user = {free: options.userFreeFailures ?? 100, maxDelayMs: options.maxUserDelayMs ?? 60_000};
    this.key = {free: options.keyFreeFailures ?? 20, maxDelayMs: options.maxKeyDelayMs ?? 5 * 60_000};
    this.maxInFlightPerUser = options.maxInFlightPerUser ?? 2;
    this.maxInFlightPerClient = options.maxInFlightPerClient ?? 4;
    this.windowMs = options.windowMs ?? 60 * 60_000;
    this.store = options.store ?? new MemoryThrottleStore({maxEntries: options.maxEntries});
  }

  /** Reserves a password attempt for `user` from `client`; it counts as a failure unless settled as a success. */
  async attemptPassword(user: string, client: string, now = Date.now()): Promise<PasswordAttempt> {
    const pairKey = `pair:${JSON.stringify([user, client])}`;
    const userKey = `user:${user}`;
    const flights = [`user:${user}`, `client:${client}`];
    const busy = (this.inFlight.get(flights[0]!) ?? 0) >= this.maxInFlightPerUser || (this.inFlight.get(flights[1]!) ?? 0) >= this.maxInFlightPerClient;
    // Held while the store decides, so requests arriving meanwhile in this process see it.
    if (!busy) for (const flight of flights) this.adjustInFlight(flight, 1);
    let waitMs: number;
    try {
      waitMs = await this.store.reserve(
        [pairKey, userKey],
        ([pairEntry, userEntry]) => Math.max(this.waitMs(pairEntry, this.pair, now), this.waitMs(userEntry, this.user, now), busy ? FIRST_DELAY_MS : 0),
        now,
        this.windowMs
      );
    } catch (error) {
      if (!busy) for (const flight of flights) this.adjustInFlight(flight, -1);
      throw error;
    }
    if (waitMs > 0) {
      if (!busy) for (const flight of flights) this.adjustInFlight(flight, -1);
      return {allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000)};
    }
    let settled = false;
    return {
      allowed: true,
      settle: async (succeeded) => {
        if (settled) return;
        settled = true;
        for (const flight of flights) this.adjustInFlight(flight, -1);
        if (succeeded) await this.store.forgive({remove: [pairKey], uncount: [userKey]});
      }
    };
  }

  /** Seconds `client` must wait before another API key is checked, or 0. */
  async keyRetryAfterSeconds(client: string, now = Date.now()): Promise<number> {
    const entry = await this.store.read(`key:${client}`, now, this.windowMs);
    return Math.ceil(this.waitMs(entry, this.key, now) / 1000);
  }

  /** Counts a wrong API key from `client`. */
  async recordKeyFailure(client: string, now = Date.now()): Promise<void> {
    await this.store.count(`key:${client}`, now, this.windowMs);
  }

  private waitMs(entry: ThrottleEntry | undefined, policy: Policy, now: number): number {
    if (entry == null || now - entry.lastAt >= this.windowMs) return 0;
    const excess = entry.failures - policy.free;
    if (excess < 0) return 0;
    const delay = Math.min(FIRST_DELAY_MS * 2 ** Math.min(excess, 30), policy.maxDelayMs);
    return Math.max(0, entry.lastAt + delay - now);
  }

  private adjustInFlight(key: string, delta: number): void {
    const next = (this.inFlight.get(key) ?? 0) + delta;
    if (next <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, next);
  }
}
