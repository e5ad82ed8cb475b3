import {describe, expect, it} from "vitest";
import {seededRandom} from "./seeded-random.js";
import {createSplitter} from "./split-rows.js";
import {drainShuffled, shuffleBuffered} from "./shuffle-buffered.js";

function split(n: number, valSetSize: number, seed = 42): {train: number[]; valid: number[]} {
  const splitter = createSplitter<number>(valSetSize, seededRandom(seed));
  const out = {train: [] as number[], valid: [] as number[]};
  const take = (assigned: {row: number; split: "train" | "valid"}[]) => assigned.forEach((a) => out[a.split].push(a.row));
  for (let i = 0; i < n; i++) take(splitter.push(i));
  take(splitter.finish());
  return out;
}

describe("createSplitter", () => {
  it("picks exactly a count of valid rows, the same ones for the same seed, different for another seed", () => {
    const a = split(1000, 50);
    expect(a.valid.length).toBe(50);
    expect(a.train.length).toBe(950);
    expect([...a.train, ...a.valid].sort((x, y) => x - y)).toEqual(Array.from({length: 1000}, (_, i) => i));
    expect(a.valid).toEqual([...a.valid].sort((x, y) => x - y));
    expect(split(1000, 50)).toEqual(a);
    expect(split(1000, 50, 7).valid).not.toEqual(a.valid);
  });

  it("spreads the reservoir over the whole input", () => {
    const {valid} = split(10_000, 100);
    expect(valid.filter((i) => i < 5000).length).toBeGreaterThan(30);
    expect(valid.filter((i) => i >= 5000).length).toBeGreaterThan(30);
  });

  it("takes about a fraction, deterministically", () => {
    const a = split(10_000, 0.1);
    expect(a.valid.length).toBeGreaterThan(900);
    expect(a.valid.length).toBeLessThan(1100);
    expect(split(10_000, 0.1)).toEqual(a);
  });

  it("puts everything in train for 0, and everything in valid when the count exceeds the rows", () => {
    expect(split(10, 0)).toEqual({train: Array.from({length: 10}, (_, i) => i), valid: []});
    expect(split(3, 5)).toEqual({train: [], valid: [0, 1, 2]});
  });

  it("rejects negative and fractional counts", () => {
    expect(() => createSplitter(-1, Math.random)).toThrow("--val_set_size: expected a count");
    expect(() => createSplitter(2.5, Math.random)).toThrow("got 2.5");
  });
});

describe("shuffleBuffered", () => {
  it("permutes deterministically within a bounded buffer", () => {
    const run = (seed: number) => {
      const random = seededRandom(seed);
      const buffer: number[] = [];
      const out = [...shuffleBuffered(Array.from({length: 100}, (_, i) => i), 10, random, buffer)];
      return [...out, ...drainShuffled(buffer, random)];
    };
    const a = run(42);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({length: 100}, (_, i) => i));
    expect(a).not.toEqual(Array.from({length: 100}, (_, i) => i));
    expect(run(42)).toEqual(a);
    // An item can move at most about one buffer earlier.
    a.forEach((item, position) => expect(position).toBeGreaterThanOrEqual(item - 10));
  });
});
