import {describe, expect, it} from "vitest";
import {WordCache} from "./word-cache.js";

describe("WordCache", () => {
  it("finds words by a range of a longer text, across growth, and stops adding at its limit", () => {
    const cache = new WordCache(6000, 8);
    const words = Array.from({length: 7000}, (_, i) => `w${i}`);
    words.forEach((word, i) => cache.set(word, WordCache.hash(word, 0, word.length), i % 2 === 0 ? i : [i, i + 1]));
    const text = ` ${words[4321]} `;
    expect(cache.get(text, 1, text.length - 1, WordCache.hash(text, 1, text.length - 1))).toEqual([4321, 4322]);
    expect(cache.get("w10", 0, 3, WordCache.hash("w10", 0, 3))).toBe(10);
    expect(cache.get("w6500", 0, 5, WordCache.hash("w6500", 0, 5))).toBeUndefined();
    cache.set("too-long-word", WordCache.hash("too-long-word", 0, 13), 1);
    expect(cache.get("too-long-word", 0, 13, WordCache.hash("too-long-word", 0, 13))).toBeUndefined();
  });
});
