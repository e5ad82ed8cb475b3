import {describe, expect, it} from "vitest";
import {labelTokens, labelsFor} from "./label-tokens.js";

// "<bot>: Hello" tokenized as ["<bot>:", " Hello"]: the prompt is "<bot>: " (7 code units), so the second
// token straddles the boundary.
const straddling = {ids: [10, 11], offsets: [[0, 6], [6, 12]] as [number, number][], promptLength: 7};
const base = {cutoffLen: 512, addEosToken: false, eosTokenId: 0, trainOnInputs: false};

describe("labelTokens", () => {
  it("trains a token that straddles the prompt/answer boundary", () => {
    const out = labelTokens({...straddling, ...base});
    expect(Array.from(out.inputIds)).toEqual([10, 11]);
    expect(out.maskedCount).toBe(1);
    expect(Array.from(labelsFor(out.inputIds, out.maskedCount))).toEqual([-100, 11]);
  });

  it("masks nothing when training on inputs, and inserted empty-span tokens at the start are prompt", () => {
    expect(labelTokens({...straddling, ...base, trainOnInputs: true}).maskedCount).toBe(0);
    const withBos = {ids: [1, 10, 11], offsets: [[0, 0], [0, 6], [6, 12]] as [number, number][], promptLength: 7};
    expect(labelTokens({...withBos, ...base}).maskedCount).toBe(2);
  });

  it("appends EOS only when asked, when the last id is not EOS, and when there is room (h2oGPT's rule)", () => {
    expect(Array.from(labelTokens({...straddling, ...base, addEosToken: true}).inputIds)).toEqual([10, 11, 0]);
    expect(labelTokens({...straddling, ...base, addEosToken: true}).fullLength).toBe(3);
    const endsWithEos = {ids: [10, 0], offsets: [[0, 6], [6, 19]] as [number, number][], promptLength: 7};
    expect(Array.from(labelTokens({...endsWithEos, ...base, addEosToken: true}).inputIds)).toEqual([10, 0]);
    const full = labelTokens({...straddling, ...base, addEosToken: true, cutoffLen: 2});
    expect(Array.from(full.inputIds)).toEqual([10, 11]);
    expect(full.fullLength).toBe(3);
  });

  it("keeps the first cutoffLen ids and reports the length before truncation", () => {
    const ids = [1, 2, 3, 4, 5];
    const offsets = ids.map((_, i) => [i, i + 1] as [number, number]);
    const out = labelTokens({ids, offsets, promptLength: 4, ...base, cutoffLen: 3});
    expect(Array.from(out.inputIds)).toEqual([1, 2, 3]);
    expect(out.fullLength).toBe(5);
    expect(out.maskedCount).toBe(3);
  });
});
