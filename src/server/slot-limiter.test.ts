import {describe, expect, it} from "vitest";
import {QueueFullError} from "./http-error.js";
import {SlotLimiter} from "./slot-limiter.js";

describe("SlotLimiter", () => {
  it("runs up to `concurrency` at once, queues FIFO, then refuses with 429 and Retry-After", async () => {
    const limiter = new SlotLimiter({concurrency: 2, maxQueue: 1});
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const order: string[] = [];
    const c = limiter.acquire().then((release) => {
      order.push("c");
      return release;
    });
    expect(limiter.stats).toMatchObject({running: 2, queued: 1});
    const refused = await limiter.acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).status).toBe(429);
    expect(Number((refused as QueueFullError).headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    a();
    a(); // a second release is ignored
    const releaseC = await c;
    expect(order).toEqual(["c"]);
    expect(limiter.stats).toMatchObject({running: 2, queued: 0});
    b();
    releaseC();
    expect(limiter.stats).toMatchObject({running: 0, queued: 0});
  });

  it("drops a waiter whose signal aborts, freeing its queue place at once", async () => {
    const limiter = new SlotLimiter({concurrency: 1, maxQueue: 1});
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error("client gone"));
    await expect(waiting).rejects.toThrow("client gone");
    expect(limiter.stats.queued).toBe(0);
    const next = limiter.acquire();
    held();
    (await next)();
    expect(limiter.stats.running).toBe(0);
  });

  it("releases the slot when the work throws", async () => {
    const limiter = new SlotLimiter({concurrency: 1, maxQueue: 0});
    await expect(limiter.run(undefined, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(limiter.stats.running).toBe(0);
  });
});
