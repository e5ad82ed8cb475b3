import {describe, expect, it} from "vitest";
import {formatPercent, lastCharacters, scorePairs, type ScoreModel, scoreText, sigmoid, summarizeScores} from "./index.js";

/** Python 3's `'{:.1%}'.format(value)`, recorded with python3 (random values and k/2000 steps). */
const PYTHON_PERCENT: [number, string][] = [
  [0.873, "87.3%"], [0.0025, "0.2%"], [0.0035, "0.4%"], [0.9995, "100.0%"], [0.99949, "99.9%"], [1, "100.0%"], [0, "0.0%"],
  [0.5, "50.0%"], [0.12345, "12.3%"], [0.00049999, "0.0%"], [0.0005, "0.1%"], [0.0015, "0.1%"], [0.1235, "12.3%"],
  [0.8765, "87.6%"], [1e-9, "0.0%"], [0.999999, "100.0%"], [0.06125, "6.1%"], [0.33333333, "33.3%"],
  [0.6229, "62.3%"],
  [0.795, "79.5%"],
  [0.8403, "84.0%"],
  [0.649, "64.9%"],
  [0.113206, "11.3%"],
  [0.868445, "86.8%"],
  [0.5438, "54.4%"],
  [0.0131, "1.3%"],
  [0.4082, "40.8%"],
  [0.916345, "91.6%"],
  [0.16, "16.0%"],
  [0.138767, "13.9%"],
  [0.127, "12.7%"],
  [0.972, "97.2%"],
  [0.2095, "20.9%"],
  [0.9601, "96.0%"],
  [0.87241, "87.2%"],
  [0.3137, "31.4%"],
  [0.5392, "53.9%"],
  [0.1817, "18.2%"],
  [0.966564, "96.7%"],
  [0.29879, "29.9%"],
  [0.4149, "41.5%"],
  [0.26381, "26.4%"],
  [0.301, "30.1%"],
  [0.59598, "59.6%"],
  [0.06602, "6.6%"],
  [0.818518, "81.9%"],
  [0.6964, "69.6%"],
  [0.4812, "48.1%"],
  [0.0, "0.0%"],
  [0.0485, "4.9%"],
  [0.097, "9.7%"],
  [0.1455, "14.5%"],
  [0.194, "19.4%"],
  [0.2425, "24.2%"],
  [0.291, "29.1%"],
  [0.3395, "34.0%"],
  [0.388, "38.8%"],
  [0.4365, "43.6%"],
  [0.485, "48.5%"],
  [0.5335, "53.3%"],
  [0.582, "58.2%"],
  [0.6305, "63.0%"],
  [0.679, "67.9%"],
  [0.7275, "72.8%"],
  [0.776, "77.6%"],
  [0.8245, "82.5%"],
  [0.873, "87.3%"],
  [0.9215, "92.2%"],
  [0.97, "97.0%"]
];

describe("formatPercent", () => {
  it("equals Python's {:.1%} (ties to even on the exact binary value of value * 100)", () => {
    for (const [value, text] of PYTHON_PERCENT) expect(formatPercent(value), String(value)).toBe(text);
  });
});

describe("scoreText", () => {
  it("spells h2oGPT's cases", () => {
    expect(scoreText([])).toBe("Response Score: Disabled");
    expect(scoreText([0.873])).toBe("Response Score: 87.3%");
    expect(scoreText(["NA"])).toBe("Response Score: NA");
    expect(scoreText(["Bad Question"])).toBe("Response Score: Bad Question");
    expect(scoreText(["Bad Answer"])).toBe("Response Score: Bad Answer");
    expect(scoreText([0.5, "NA", 0.0005])).toBe("Response Scores: 50.0% NA 0.1%");
  });
});

describe("sigmoid and lastCharacters", () => {
  it("sigmoid is exact at 0 and stable far out", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(0.8807970779778823, 15);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
  });
  it("keeps the last n code points, as Python's text[-n:]", () => {
    expect(lastCharacters("abcdef", 2)).toBe("ef");
    expect(lastCharacters("abc", 10)).toBe("abc");
    expect(lastCharacters("a😀b😀", 3)).toBe("😀b😀");
    expect(lastCharacters("a😀b😀", 1)).toBe("😀");
    expect(lastCharacters("abc", 0)).toBe("");
  });
});

function fakeModel(maxLength: number, logits: (pairs: readonly {question: string; answer: string}[]) => number[]): ScoreModel & {seen: {question: string; answer: string}[][]} {
  const seen: {question: string; answer: string}[][] = [];
  return {
    name: "fake",
    maxLength,
    seen,
    async logits(pairs) {
      seen.push([...pairs]);
      return logits(pairs);
    },
    async dispose() {}
  };
}

describe("scorePairs", () => {
  it("cuts question and answer to their last 4 * maxLength characters and applies the sigmoid", async () => {
    const model = fakeModel(2, (pairs) => pairs.map((_, i) => i));
    const outcomes = await scorePairs({model, pairs: [{question: "0123456789", answer: "abcdefghij"}, {question: "q", answer: "a"}]});
    expect(model.seen).toEqual([[{question: "23456789", answer: "cdefghij"}, {question: "q", answer: "a"}]]);
    expect(outcomes).toEqual([0.5, sigmoid(1)]);
  });
  it("gives Bad Question / Bad Answer without asking the model, and NA with the reason on failure", async () => {
    const model = fakeModel(512, () => {
      throw new Error("boom");
    });
    const errors: unknown[] = [];
    const outcomes = await scorePairs({model, pairs: [{question: "", answer: "a"}, {question: "q", answer: ""}, {question: "q", answer: "a"}], onError: (error) => errors.push(error)});
    expect(outcomes).toEqual(["Bad Question", "Bad Answer", "NA"]);
    expect((errors[0] as Error).message).toBe("boom");
    expect(model.seen).toEqual([[{question: "q", answer: "a"}]]);
  });
});

describe("scorePairs with a non-finite logit", () => {
  it("gives NA for that pair and says why", async () => {
    const errors: string[] = [];
    const model = fakeModel(512, () => [Number.NaN, 0]);
    const outcomes = await scorePairs({model, pairs: [{question: "q", answer: "a"}, {question: "q", answer: "b"}], onError: (error) => errors.push((error as Error).message)});
    expect(outcomes).toEqual(["NA", 0.5]);
    expect(errors).toEqual(["the model gave NaN as the logit of pair 0"]);
  });
});

describe("summarizeScores", () => {
  it("gives mean, median and a 10-bin histogram, counting missing scores apart", () => {
    expect(summarizeScores([0.2, 0.9, null, 1, 0.05])).toEqual({count: 4, missing: 1, mean: 0.5375, median: 0.55, histogram: [1, 0, 1, 0, 0, 0, 0, 0, 0, 2]});
    expect(summarizeScores([null])).toEqual({count: 0, missing: 1, mean: null, median: null, histogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]});
  });
});
