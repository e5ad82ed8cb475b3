/**
 * Threat model: online password guessing against the login form. After `maxFailures` failed logins for one
 * username (or from one client address) within `windowMs`, further attempts for that key are refused until the
 * window passes, without checking the password (so a lucky guess during lockout does not succeed). Memory is
 * bounded: old entries are pruned and the table never holds more than `maxEntries` keys.
 */

export interface LoginThrottleOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly maxEntries?: number;
}

interface Entry {
  failures: number;
  firstFailureAt: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Seconds until `keys` may try again, or 0 when none of them is locked out. */
  retryAfterSeconds(keys: readonly string[], now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry == null) continue;
      const remaining = entry.firstFailureAt + this.windowMs - now;
      if (remaining <= 0) this.entries.delete(key);
      else if (entry.failures >= this.maxFailures) wait = Math.max(wait, Math.ceil(remaining / 1000));
    }
    return wait;
  }

  recordFailure(keys: readonly string[], now = Date.now()): void {
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry == null || entry.firstFailureAt + this.windowMs <= now) {
        this.entries.delete(key);
        this.entries.set(key, {failures: 1, firstFailureAt: now});
      } else {
        entry.failures++;
      }
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  recordSuccess(keys: readonly string[]): void {
    for (const key of keys) this.entries.delete(key);
  }
}
