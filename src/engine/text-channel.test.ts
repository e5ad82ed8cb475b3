import {describe, expect, it} from "vitest";
import {TextChannel} from "./text-channel.js";

async function collect(channel: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const delta of channel) out.push(delta);
  return out;
}

describe("TextChannel", () => {
  it("delivers deltas pushed before and after the reader starts, then ends", async () => {
    const channel = new TextChannel();
    channel.push("a");
    const reading = collect(channel);
    await Promise.resolve();
    channel.push("b");
    channel.push("");
    setTimeout(() => {
      channel.push("c");
      channel.end();
    }, 5);
    expect((await reading).join("")).toBe("abc");
  });

  it("rethrows the producer's failure to the reader", async () => {
    const channel = new TextChannel();
    channel.push("partial");
    channel.fail(new Error("server went away"));
    const seen: string[] = [];
    await expect(async () => {
      for await (const delta of channel) seen.push(delta);
    }).rejects.toThrow("server went away");
    expect(seen).toEqual(["partial"]);
  });

  it("calls onCancel when the reader leaves early, not when it reads to the end", async () => {
    let cancelled = 0;
    const early = new TextChannel(() => cancelled++);
    early.push("x");
    for await (const _ of early) break;
    expect(cancelled).toBe(1);
    const full = new TextChannel(() => cancelled++);
    full.push("y");
    full.end();
    await collect(full);
    expect(cancelled).toBe(1);
  });

  it("can be read once only", async () => {
    const channel = new TextChannel();
    channel.end();
    await collect(channel);
    await expect(collect(channel)).rejects.toThrow("read only once");
  });
});
