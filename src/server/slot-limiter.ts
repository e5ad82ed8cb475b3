import {QueueFullError} from "./http-error.js";

export interface SlotLimiterOptions {
  /** Generations that run at once (the engine's sequences). */
  readonly concurrency: number;
  /** Requests that may wait for a slot; one more is refused with 429. */
  readonly maxQueue: number;
}

interface Waiter {
  readonly grant: (release: () => void) => void;
}

/**
 * Bounds concurrent generations per model. Beyond `concurrency` requests wait in FIFO order; beyond `maxQueue`
 * waiting requests they are refused at once with a QueueFullError (HTTP 429 + Retry-After), so a burst cannot
 * pile up unbounded memory or latency. A waiter whose signal aborts (client gone) leaves the queue immediately.
 */
export class SlotLimiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  /** Recent generation durations, for a Retry-After that tracks real load. */
  private readonly durationsMs: number[] = [];

  constructor(private readonly options: SlotLimiterOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${options.concurrency}`);
    if (!(options.maxQueue >= 0)) throw new RangeError(`maxQueue must be at least 0, got ${options.maxQueue}`);
  }

  get stats(): {running: number; queued: number; concurrency: number; maxQueue: number} {
    return {running: this.running, queued: this.waiting.length, ...this.options};
  }

  /** Resolves with a release function once a slot is free. Call release exactly once (extra calls are ignored). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.options.maxQueue)
      return Promise.reject(new QueueFullError(this.retryAfterSeconds(), this.running, this.waiting.length));

    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        }
      };
      this.waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, {once: true});
    });
  }

  /** Resolves once no slot is held and nobody waits (a model being unloaded has finished its work). */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs `work` in a slot and releases it however `work` ends. */
  async run<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    const started = Date.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.recordDuration(Date.now() - started);
      const next = this.waiting.shift();
      if (next == null) this.running--;
      else next.grant(this.releaser());
      if (this.running === 0 && this.waiting.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }

  private recordDuration(ms: number): void {
    this.durationsMs.push(ms);
    if (this.durationsMs.length > 32) this.durationsMs.shift();
  }

  /** Time for the queue ahead to drain at the recent average speed, at least one second. */
  private retryAfterSeconds(): number {
    const average =
      this.durationsMs.length === 0 ? 1000 : this.durationsMs.reduce((a, b) => a + b, 0) / this.durationsMs.length;
    const rounds = Math.ceil((this.waiting.length + 1) / this.options.concurrency);
    return Math.max(1, Math.min(600, Math.ceil((average * rounds) / 1000)));
  }
}
