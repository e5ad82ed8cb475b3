import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {readFaq, readWordings} from "../../scripts/train-default/corpus.js";
import {preferencePairs} from "../../scripts/train-default/reward-pairs.js";
import {projectRoot} from "../support/shared.js";

describe("the shipped reward model's preference pairs (npm run train:default-reward)", async () => {
  const faq = await readFaq(join(projectRoot, "data/default-model/faq.json"));
  const {train, heldout} = preferencePairs(faq);

  it("makes exactly the committed held-out pairs, one of each kind for 25 questions", async () => {
    const committed = await readFile(join(projectRoot, "data/default-reward/heldout.jsonl"), "utf8");
    expect(heldout.map((p) => JSON.stringify(p)).join("\n") + "\n").toBe(committed);
    expect(heldout.length).toBe(100);
    expect(train.length).toBe(2136);
  });

  it("with a development split, moves only the dev questions' pairs out of training", () => {
    const split = preferencePairs(faq, 7, {dev: true});
    expect(split.heldout).toEqual(heldout);
    expect(split.dev.length).toBe(24 * 8);
    const devQuestions = new Set(split.dev.map((p) => p.prompt));
    expect(devQuestions.size).toBe(24);
    const key = (p: {prompt: string; chosen: string; rejected: string}) => `${p.prompt}\n${p.chosen}\n${p.rejected}`;
    const kept = new Set(split.train.map(key));
    expect(train.filter((p) => !kept.has(key(p))).length).toBe(split.dev.length);
    expect(split.train.length + split.dev.length).toBe(train.length);
  });

  it("trains on no held-out question, even disguised by case or punctuation", () => {
    const normalised = (q: string) => q.toLowerCase().replace(/[^a-z0-9_ ]/g, "").trim();
    const held = new Set(heldout.map((p) => normalised(p.prompt)));
    expect(held.size).toBe(25);
    expect(train.filter((p) => held.has(normalised(p.prompt)))).toEqual([]);
  });

  it("adds the extra wordings' pairs after the others, leaving the held-out and dev pairs as they were", async () => {
    const wordings = await readWordings(join(projectRoot, "data/default-reward/wordings.json"), faq.length);
    const withWordings = preferencePairs(faq, 7, {wordings});
    expect(withWordings.heldout).toEqual(heldout);
    expect(withWordings.train.slice(0, train.length)).toEqual(train);
    const extra = withWordings.train.slice(train.length);
    expect(extra.length % 8).toBe(0);
    expect(extra.length / 8).toBeGreaterThan(0.8 * wordings.flat().length);
    expect(preferencePairs(faq, 7, {wordings, dev: true}).dev).toEqual(preferencePairs(faq, 7, {dev: true}).dev);
  });

  it("leaves out a wording that shares half the content words of its fact's held-out or dev question", () => {
    const entries = [
      {questions: ["What is the context length?", "How long can a prompt be?"], answer: "512 tokens."},
      ...Array.from({length: 8}, (_, i) => ({questions: [`Question ${i}?`], answer: `Answer number ${i}.`}))
    ];
    const wordingsOfFirst = (wording: string) => [[wording], ...Array.from({length: 8}, () => [])];
    // Fact 0's last question is held out: only its other question and the wording are trained on.
    const kept = (wording: string) =>
      preferencePairs(entries, 7, {wordings: wordingsOfFirst(wording)}).train.filter((p) => p.chosen === "512 tokens.").length;
    const base = kept("unrelated words entirely");
    expect(base).toBeGreaterThan(0);
    expect(kept("What's your token limit?")).toBe(base);
    expect(kept("How long can my prompt be")).toBe(base - 8);
    expect(kept("prompt: is it long")).toBe(base - 8);
    expect(() => preferencePairs(entries, 7, {wordings: [["a"]]})).toThrow(RangeError);
  });
});
