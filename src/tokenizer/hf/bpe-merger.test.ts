import {describe, expect, it} from "vitest";
import {mulberry32} from "../../util/index.js";
import {BpeMerger, type MergeTable} from "./bpe-merger.js";

interface MergeRule {
  readonly left: number;
  readonly right: number;
  readonly merged: number;
}

function table(rules: readonly MergeRule[]): MergeTable {
  return {
    left: Int32Array.from(rules, (rule) => rule.left),
    right: Int32Array.from(rules, (rule) => rule.right),
    merged: Int32Array.from(rules, (rule) => rule.merged)
  };
}

/** Symbols 0..3 are "a".."d"; each rule merges two existing symbols into a new one. */
function randomRules(seed: number, count: number): MergeRule[] {
  const random = mulberry32(seed);
  const rules: MergeRule[] = [];
  const seen = new Set<string>();
  let next = 4;
  while (rules.length < count) {
    const left = Math.floor(random() * next);
    const right = Math.floor(random() * next);
    if (seen.has(`${left},${right}`)) continue;
    seen.add(`${left},${right}`);
    rules.push({left, right, merged: next++});
  }
  return rules;
}

/** The textbook definition: merge the leftmost occurrence of the lowest-ranked pair until none applies. */
function referenceMerge(rules: readonly MergeRule[], symbols: number[]): number[] {
  const out = [...symbols];
  for (;;) {
    let best = -1;
    let at = -1;
    for (let i = 0; i + 1 < out.length; i++) {
      const rank = rules.findIndex((rule) => rule.left === out[i] && rule.right === out[i + 1]);
      if (rank >= 0 && (best < 0 || rank < best)) {
        best = rank;
        at = i;
      }
    }
    if (at < 0) return out;
    out.splice(at, 2, rules[best]!.merged);
  }
}

describe("BpeMerger", () => {
  it("merges by rank, leftmost first", () => {
    const merger = new BpeMerger(
      table([
        {left: 0, right: 0, merged: 4},
        {left: 4, right: 0, merged: 5}
      ])
    );
    const symbols = Int32Array.of(0, 0, 0, 0, 0);
    const length = merger.merge(symbols, 5);
    // 00000 -> (00)000 -> (00)(00)0 -> (00)((00)0)
    expect(Array.from(symbols.subarray(0, length))).toEqual([4, 5]);
  });

  it("gives the textbook result for short words and for long ones (the heap path)", () => {
    const rules = randomRules(3, 40);
    const merger = new BpeMerger(table(rules));
    const random = mulberry32(11);
    for (const length of [1, 2, 5, 17, 63, 64, 65, 200, 700]) {
      for (let trial = 0; trial < 5; trial++) {
        const word = Array.from({length}, () => Math.floor(random() * 4));
        const symbols = Int32Array.from(word);
        const merged = merger.merge(symbols, length);
        expect(Array.from(symbols.subarray(0, merged))).toEqual(referenceMerge(rules, word));
      }
    }
  });
});
