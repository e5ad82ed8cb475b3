import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {renderTrainingString} from "../prompts/index.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {projectRoot} from "../../test/support/shared.js";
import {lossUnits} from "./backend-arithmetic.js";
import {toRewardBatch} from "./reward-batch.js";
import {readRewardPairs, rewardSequence} from "./reward-data.js";

const tokenizerPath = join(projectRoot, "models", "h2ogpt-ts-demo.gguf");
let dir: string;
let tokenizer: Tokenizer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-reward-data-"));
  tokenizer = await loadTokenizer(tokenizerPath);
});
afterAll(async () => {
  tokenizer.dispose();
  await rm(dir, {recursive: true, force: true});
});

const expectedIds = (question: string, answer: string, input = "") => {
  const {text} = renderTrainingString({promptType: "human_bot", record: {instruction: question, input, output: answer}});
  return [...tokenizer.encode(text), tokenizer.eosTokenId!];
};

describe("readRewardPairs", () => {
  it("reads ours, TRL's and h2oGPT's field names and reports bad records with file:line", async () => {
    const path = join(dir, "pairs.jsonl");
    const lines = [
      {prompt: "What is LoRA?", chosen: "A low-rank adapter.", rejected: "A fish."},
      {question: "Who are you?", response_j: "A tiny model.", response_k: "The weather is nice."},
      {instruction: "Translate", input: "hola", chosen: "hello", rejected: "bye"},
      {prompt: "No rejected", chosen: "x"},
      {prompt: "Same", chosen: "y", rejected: "y"},
      {prompt: "List", chosen: ["not", "a", "string"], rejected: "z"}
    ].map((record) => JSON.stringify(record));
    lines.splice(3, 0, "{not json");
    await writeFile(path, lines.join("\n") + "\n");
    const warnings: string[] = [];
    const pairs = await readRewardPairs({dataPath: path, tokenizer: tokenizerPath, promptType: "human_bot", onWarning: (line) => warnings.push(line)});
    expect(pairs.read).toBe(7);
    expect(pairs.rows).toHaveLength(3);
    expect(pairs.promptType).toBe("human_bot");
    expect(Array.from(pairs.rows[0]!.inputIds)).toEqual(expectedIds("What is LoRA?", "A low-rank adapter."));
    expect(Array.from(pairs.rows[0]!.rejectedIds)).toEqual(expectedIds("What is LoRA?", "A fish."));
    expect(Array.from(pairs.rows[1]!.inputIds)).toEqual(expectedIds("Who are you?", "A tiny model."));
    expect(Array.from(pairs.rows[1]!.rejectedIds)).toEqual(expectedIds("Who are you?", "The weather is nice."));
    expect(Array.from(pairs.rows[2]!.inputIds)).toEqual(expectedIds("Translate", "hello", "hola"));
    expect(pairs.dropped.map((p) => `${p.line}: ${p.detail}`)).toEqual([
      expect.stringMatching(/^4: .*JSON/),
      "5: no rejected (one of rejected, response_k)",
      "6: chosen and rejected are the same text",
      "7: field 'chosen' is not a string"
    ]);
    expect(warnings[1]).toBe(`${path}:5: skipped: no rejected (one of rejected, response_k)`);
  });

  it("keeps the end of long sequences, or drops or refuses them, and holds out validation pairs", async () => {
    const path = join(dir, "long.jsonl");
    const long = "word ".repeat(80).trim();
    await writeFile(path, [0, 1, 2, 3].map((i) => JSON.stringify({prompt: `Q${i}`, chosen: long, rejected: "short"})).join("\n"));
    const kept = await readRewardPairs({dataPath: path, tokenizer: tokenizerPath, cutoffLen: 16, valSetSize: 0.5, seed: 1});
    expect(kept.truncated).toBe(4);
    expect(kept.rows.every((row) => row.inputIds.length === 16 && row.inputIds[15] === tokenizer.eosTokenId)).toBe(true);
    expect(kept.rows.filter((row) => row.split === "valid")).toHaveLength(2);
    const dropped = await readRewardPairs({dataPath: path, tokenizer: tokenizerPath, cutoffLen: 16, excessLengthStrategy: "drop"});
    expect(dropped.rows).toHaveLength(0);
    expect(dropped.dropped[0]).toEqual({file: path, line: 1, detail: "more than --cutoff_len=16 tokens"});
    await expect(readRewardPairs({dataPath: path, tokenizer: tokenizerPath, cutoffLen: 16, excessLengthStrategy: "raise"})).rejects.toThrow(
      `${path}:1: more than --cutoff_len=16 tokens`
    );
  });

  it("rewardSequence appends EOS once and keeps a leading BOS when cutting", () => {
    const fake = {encode: () => [1, 5, 6, 7, 8], eosTokenId: 2, bosTokenId: 1} as unknown as Tokenizer;
    expect(rewardSequence(fake, "x", 10)).toEqual({ids: [1, 5, 6, 7, 8, 2], truncated: false});
    expect(rewardSequence(fake, "x", 4)).toEqual({ids: [1, 7, 8, 2], truncated: true});
  });
});

describe("toRewardBatch", () => {
  it("puts each pair's chosen and rejected sequences in adjacent rows, marking their last tokens", () => {
    const batch = toRewardBatch([{inputIds: [5, 6, 7], labels: [5, 6, 7], rejectedIds: [5, 9]}], {multipleOf: 4, batchSize: 2});
    expect(batch.batchSize).toBe(4);
    expect(batch.length).toBe(4);
    expect(Array.from(batch.tokens)).toEqual([5, 6, 7, 0, 5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(batch.lossMask)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(lossUnits(batch.lossMask, true)).toBe(1);
  });

  it("with mean pooling weighs every token of a sequence 1/length, padding 0", () => {
    const batch = toRewardBatch([{inputIds: [5, 6, 7], labels: [5, 6, 7], rejectedIds: [5, 9]}], {multipleOf: 4, batchSize: 2, pooling: "mean"});
    expect(Array.from(batch.lossMask)).toEqual([1 / 3, 1 / 3, 1 / 3, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].map(Math.fround));
    expect(lossUnits(batch.lossMask, true)).toBe(1);
    expect(lossUnits(batch.lossMask, false)).toBe(5);
  });
});
