import {describe, expect, it} from "vitest";
import {mulberry32} from "../util/index.js";
import {chooseToken} from "./choose-token.js";
import {resolveSampling} from "./sampling-options.js";

const probabilities = new Map([[2, 0.6], [10, 0.25], [11, 0.1], [12, 0.05]]);
const isEos = (t: number): boolean => t === 2;

describe("chooseToken", () => {
  it("greedy takes the most likely token that is not excluded", () => {
    expect(chooseToken({probabilities, isExcluded: isEos, sampling: resolveSampling({maxNewTokens: 1}), random: Math.random})).toBe(10);
    expect(chooseToken({probabilities: new Map([[2, 1]]), isExcluded: isEos, sampling: resolveSampling({maxNewTokens: 1}), random: Math.random})).toBeUndefined();
  });

  it("samples the remaining tokens in proportion, honouring top_k and top_p", () => {
    const count = (options: Parameters<typeof resolveSampling>[0]): Map<number, number> => {
      const random = mulberry32(42);
      const counts = new Map<number, number>();
      for (let i = 0; i < 4000; i++) {
        const token = chooseToken({probabilities, isExcluded: isEos, sampling: resolveSampling(options), random})!;
        counts.set(token, (counts.get(token) ?? 0) + 1);
      }
      return counts;
    };
    const plain = count({maxNewTokens: 1, temperature: 1});
    expect(plain.has(2)).toBe(false);
    expect(plain.get(10)! / 4000).toBeCloseTo(0.625, 1);
    expect(plain.get(12)! / 4000).toBeCloseTo(0.125, 1);
    expect([...count({maxNewTokens: 1, temperature: 1, topK: 2}).keys()].sort()).toEqual([10, 11]);
    expect([...count({maxNewTokens: 1, temperature: 1, topP: 0.5}).keys()]).toEqual([10]);
    // min_p 0.3 of the top weight (0.25) keeps 0.1 and drops 0.05.
    expect([...count({maxNewTokens: 1, temperature: 1, minP: 0.3}).keys()].sort()).toEqual([10, 11]);
    // No limit at all when top_k 0 is named: the least likely token is still drawn.
    expect(count({maxNewTokens: 1, temperature: 1, topK: 0}).has(12)).toBe(true);
    // A low temperature sharpens towards the most likely token.
    expect(count({maxNewTokens: 1, temperature: 0.2}).get(10)! / 4000).toBeGreaterThan(0.95);
  });
});
