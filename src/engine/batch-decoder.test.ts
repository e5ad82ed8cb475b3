import {describe, expect, it} from "vitest";
import {BatchDecoder, type DecodeJob} from "./batch-decoder.js";
import type {ContextBinding, SamplerBinding, SamplerConfig} from "./llama-binding.js";

interface Added {
  readonly sequence: number;
  readonly position: number;
  readonly tokens: number[];
  readonly logits: number[];
}

/**
 * llama.cpp's binding as the decoder sees it: batches are recorded, a decode takes one event-loop turn, and the
 * sampled token is 100 + the sequence id (what a sequence "says" is then easy to read in the batches).
 */
class FakeBinding implements ContextBinding {
  readonly batches: Added[][] = [];
  readonly removed: [number, number, number][] = [];
  samplers = 0;
  disposedSamplers = 0;
  failNextDecode = false;
  private current: Added[] = [];
  private outputs: number[] = [];

  initBatch(): void {
    this.current = [];
    this.outputs = [];
  }

  addToBatch(sequence: number, position: number, tokens: Uint32Array, logits: Uint32Array): Uint32Array {
    this.current.push({sequence, position, tokens: [...tokens], logits: [...logits]});
    return Uint32Array.from([...logits].map(() => this.outputs.push(sequence) - 1));
  }

  async decodeBatch(): Promise<void> {
    this.batches.push(this.current);
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failNextDecode) {
      this.failNextDecode = false;
      throw new Error("llama_decode failed");
    }
  }

  async sampleToken(index: number): Promise<number> {
    return 100 + this.outputs[index]!;
  }

  removeTokenCellsFromSequence(sequence: number, start: number, end: number): boolean {
    this.removed.push([sequence, start, end]);
    return true;
  }

  createSampler = (): SamplerBinding => {
    this.samplers++;
    return {applyConfig: () => {}, dispose: () => void this.disposedSamplers++};
  };
}

const CONFIG: SamplerConfig = {temperature: 0, topK: 40, topP: 1, minP: 0, seed: 1};

/** A job that accepts `count` tokens and records them. */
function job(prompt: number[], count: number, signal = new AbortController().signal): DecodeJob & {tokens: number[]; flushes: number} {
  const tokens: number[] = [];
  return {
    prompt,
    signal,
    tokens,
    flushes: 0,
    sampler: () => CONFIG,
    accept(token) {
      tokens.push(token);
      return tokens.length < count ? token : undefined;
    },
    dispatched() {
      this.flushes++;
    }
  };
}

function decoder(binding: FakeBinding, sequences = 2, batchSize = 512): BatchDecoder {
  return new BatchDecoder({binding, sequences, batchSize, createSampler: binding.createSampler});
}

describe("BatchDecoder", () => {
  it("decodes the running sequences in one batch a step, in sequence order, with logits only for each last token", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding);
    const a = job([1, 2, 3], 3);
    const b = job([7, 8], 2);
    await Promise.all([batch.run(a), batch.run(b)]);
    expect(a.tokens).toEqual([100, 100, 100]);
    expect(b.tokens).toEqual([101, 101]);
    expect(binding.batches).toEqual([
      [
        {sequence: 0, position: 0, tokens: [1, 2, 3], logits: [2]},
        {sequence: 1, position: 0, tokens: [7, 8], logits: [1]}
      ],
      [
        {sequence: 0, position: 3, tokens: [100], logits: [0]},
        {sequence: 1, position: 2, tokens: [101], logits: [0]}
      ],
      [{sequence: 0, position: 4, tokens: [100], logits: [0]}]
    ]);
    // Held text goes out after each decode is queued; each job had a sampler of its own.
    expect(a.flushes).toBe(3);
    expect([binding.samplers, binding.disposedSamplers]).toEqual([2, 2]);
  });

  it("keeps a sequence's tokens after its job: the next prompt sharing a prefix evaluates only the rest", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding);
    await Promise.all([batch.run(job([1, 2, 3], 2)), batch.run(job([5, 6], 1))]);
    binding.batches.length = 0;
    // Sequence 0 holds 1 2 3 100 (the last sampled token was never evaluated), sequence 1 holds 5 6.
    expect(await batch.run(job([1, 2, 3, 100, 9, 9], 1))).toEqual({cachedTokens: 4});
    expect(binding.batches).toEqual([[{sequence: 0, position: 4, tokens: [9, 9], logits: [1]}]]);
    // A prompt equal to what a sequence holds still evaluates its last token; a stale tail is erased.
    expect(await batch.run(job([5, 6], 1))).toEqual({cachedTokens: 1});
    expect(binding.removed).toEqual([[1, 1, -1]]);
    // Nothing shared: the lowest free sequence, erased from position 0.
    expect(await batch.run(job([42], 1))).toEqual({cachedTokens: 0});
    expect(binding.removed.at(-1)).toEqual([0, 0, -1]);
  });

  it("splits a long prompt over the steps' spare room while the running sequence gets its token every step", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding, 2, 4);
    const late = job([10, 11, 12, 13, 14, 15, 16], 1);
    let lateRun: Promise<unknown> | undefined;
    const running = job([1], 6);
    const accept = running.accept.bind(running);
    // The long prompt arrives once the first answer is under way.
    running.accept = (token) => {
      lateRun ??= batch.run(late);
      return accept(token);
    };
    await batch.run(running);
    await lateRun;
    const steps = binding.batches.map((added) => added.map(({sequence, tokens}) => `${sequence}:${tokens.join(",")}`).join(" "));
    expect(steps).toEqual(["0:1", "0:100 1:10,11,12", "0:100 1:13,14,15", "0:100 1:16", "0:100", "0:100"]);
    expect(late.tokens).toEqual([101]);
  });

  it("queues jobs beyond the sequences in arrival order; one aborted while waiting never decodes", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding, 1);
    const controller = new AbortController();
    const order: string[] = [];
    const runs = [
      batch.run(job([1], 2)).then(() => order.push("first")),
      batch.run(job([2], 1, controller.signal)).then((outcome) => order.push(`aborted ${outcome.cachedTokens}`)),
      batch.run(job([3], 1)).then(() => order.push("third"))
    ];
    controller.abort();
    await Promise.all(runs);
    expect(order).toEqual(["aborted 0", "first", "third"]);
    expect(binding.batches.flat().some(({tokens}) => tokens.includes(2))).toBe(false);
  });

  it("ends a running job that is aborted before its next step", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding);
    const controller = new AbortController();
    const long = job([1], 1000, controller.signal);
    const done = batch.run(long);
    while (long.tokens.length < 3) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await done;
    expect(long.tokens.length).toBeLessThan(6);
    await batch.close();
  });

  it("fails the jobs of a failed decode, erases their sequences, and goes on with the next jobs", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding);
    await batch.run(job([1, 2], 1));
    binding.failNextDecode = true;
    await expect(batch.run(job([1, 2, 3], 1))).rejects.toThrow("llama_decode failed");
    expect(binding.removed).toContainEqual([0, 0, -1]);
    // The sequence held nothing after the failure, so the same prompt is evaluated in full.
    expect(await batch.run(job([1, 2, 3], 1))).toEqual({cachedTokens: 0});
  });

  it("fails a job whose accept throws, and only that one", async () => {
    const binding = new FakeBinding();
    const batch = decoder(binding);
    const bad: DecodeJob = {...job([1], 3), accept: () => {
      throw new Error("detokenizer broke");
    }};
    const good = job([2], 3);
    const [badOutcome, goodOutcome] = await Promise.allSettled([batch.run(bad), batch.run(good)]);
    expect(badOutcome).toMatchObject({status: "rejected", reason: {message: "detokenizer broke"}});
    expect(goodOutcome.status).toBe("fulfilled");
    expect(good.tokens).toEqual([101, 101, 101]);
  });
});
