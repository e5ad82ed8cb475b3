import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {loadScoreModel} from "../../src/score/index.js";
import {projectRoot} from "../support/shared.js";

interface HeldOutPair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
  readonly kind: string;
}

describe("the shipped reward model (npm run train:default-reward)", () => {
  let pairs: HeldOutPair[] = [];
  let wins: boolean[] = [];

  beforeAll(async () => {
    const text = await readFile(join(projectRoot, "data", "default-reward", "heldout.jsonl"), "utf8");
    pairs = text.trim().split("\n").map((line) => JSON.parse(line) as HeldOutPair);
    const model = await loadScoreModel({path: "default"});
    try {
      const chosen = await model.logits(pairs.map((p) => ({question: p.prompt, answer: p.chosen})));
      const rejected = await model.logits(pairs.map((p) => ({question: p.prompt, answer: p.rejected})));
      wins = pairs.map((_, i) => chosen[i]! > rejected[i]!);
    } finally {
      await model.dispose();
    }
  });

  const share = (kinds: readonly string[]): number => {
    const mine = wins.filter((_, i) => kinds.includes(pairs[i]!.kind));
    return mine.filter(Boolean).length / mine.length;
  };

  // The committed model wins 93/100 (wrong 21/25, truncated 25/25, another question's answer 22/25, off-topic 25/25),
  // its recipe chosen on a development split, not on these pairs (docs/finetune.md, "The shipped reward model").
  it("prefers the right answer on >= 90% of the held-out pairs, and of the truncated and off-topic ones", () => {
    expect(pairs.length).toBeGreaterThanOrEqual(80);
    expect(new Set(pairs.map((p) => p.kind))).toEqual(new Set(["wrong", "truncated", "other", "off_topic"]));
    expect(share(["wrong", "truncated", "other", "off_topic"])).toBeGreaterThanOrEqual(0.9);
    expect(share(["truncated", "off_topic"])).toBeGreaterThanOrEqual(0.9);
  });
});
