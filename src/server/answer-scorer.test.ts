import {describe, expect, it} from "vitest";
import type {ScoreModel} from "../score/index.js";
import {AnswerScorer, scoredQuestion} from "./answer-scorer.js";

function model(logits: (count: number) => number[]): ScoreModel & {disposed: boolean} {
  return {
    name: "fake",
    maxLength: 512,
    disposed: false,
    async logits(pairs) {
      return logits(pairs.length);
    },
    async dispose() {
      this.disposed = true;
    }
  };
}

describe("AnswerScorer", () => {
  it("gives h2oGPT's fields, and NA with the reason logged when the model fails", async () => {
    const lines: string[] = [];
    const good = new AnswerScorer(model(() => [0]), (line) => lines.push(line));
    expect(await good.score("q", "a")).toEqual({score: 0.5, score_text: "Response Score: 50.0%"});
    expect(await good.score("q", "")).toEqual({score: null, score_text: "Response Score: Bad Answer"});
    const broken = new AnswerScorer(model(() => {
      throw new Error("onnxruntime: out of memory");
    }), (line) => lines.push(line));
    expect(await broken.score("q", "a")).toEqual({score: null, score_text: "Response Score: NA"});
    expect(lines).toEqual(["score model fake: scoring failed, score NA (onnxruntime: out of memory)"]);
  });

  it("closes the model after the queued scores finish", async () => {
    const fake = model(() => [1]);
    const scorer = new AnswerScorer(fake);
    const pending = scorer.score("q", "a");
    await scorer.close();
    expect((await pending).score).toBeCloseTo(0.7310585786300049, 15);
    expect(fake.disposed).toBe(true);
  });
});

describe("scoredQuestion", () => {
  it("is the last user message, or the instruction with h2oGPT's iinput under it", () => {
    expect(scoredQuestion({messages: [{role: "user", content: "first"}, {role: "assistant", content: "x"}, {role: "user", content: "last"}]})).toBe("last");
    expect(scoredQuestion({history: [], instruction: "Sum", iinput: "1 2"})).toBe("Sum\n1 2");
    expect(scoredQuestion({history: [["a", "b"]], instruction: "Who?"})).toBe("Who?");
  });
});
