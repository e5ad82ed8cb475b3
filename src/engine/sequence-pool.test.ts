import type {LlamaContextSequence, Token} from "node-llama-cpp";
import {describe, expect, it} from "vitest";
import {SequencePool} from "./sequence-pool.js";

/** A stand-in holding cached tokens: the pool only compares prompts with them. */
function fakeSequence(name: string, cached: readonly number[] = []): LlamaContextSequence {
  const compareContextTokens = (tokens: Token[]) => {
    let shared = 0;
    while (shared < cached.length && shared < tokens.length && cached[shared] === tokens[shared]) shared++;
    return {firstDifferentIndex: shared};
  };
  return {name, compareContextTokens} as unknown as LlamaContextSequence;
}

const nameOf = (sequence: LlamaContextSequence | undefined) => (sequence as unknown as {name: string} | undefined)?.name;

describe("SequencePool", () => {
  it("gives the sequence sharing the longest prefix with the prompt, else the lowest rank free", async () => {
    const sequences = [fakeSequence("s0", [1, 9]), fakeSequence("s1", [1, 2, 3]), fakeSequence("s2", [1, 2])];
    const pool = new SequencePool(sequences);
    expect(nameOf(await pool.acquire([1, 2, 3, 4] as Token[]))).toBe("s1");
    expect(nameOf(await pool.acquire([7] as Token[]))).toBe("s0");
    expect(pool.rankOf(sequences[2]!)).toBe(2);
  });

  it("keeps the running sequences' ranks low: a released sequence is preferred to higher free ones on a tie", async () => {
    const sequences = ["s0", "s1", "s2", "s3"].map((name) => fakeSequence(name));
    const pool = new SequencePool(sequences);
    const taken = await Promise.all([pool.acquire([] as Token[]), pool.acquire([] as Token[]), pool.acquire([] as Token[])]);
    expect(taken.map(nameOf)).toEqual(["s0", "s1", "s2"]);
    pool.release(taken[1]!);
    pool.release(taken[0]!);
    expect(nameOf(await pool.acquire([] as Token[]))).toBe("s0");
    expect(nameOf(await pool.acquire([] as Token[]))).toBe("s1");
    expect(nameOf(await pool.acquire([] as Token[]))).toBe("s3");
  });

  it("hands a released sequence to the request that waited longest, and an aborted wait gets none", async () => {
    const pool = new SequencePool([fakeSequence("s0")]);
    const held = await pool.acquire([] as Token[]);
    const controller = new AbortController();
    const aborted = pool.acquire([] as Token[], controller.signal);
    const first = pool.acquire([] as Token[]);
    expect(pool.waitingCount).toBe(2);
    controller.abort();
    expect(await aborted).toBeUndefined();
    pool.release(held!);
    expect(nameOf(await first)).toBe("s0");
  });
});
