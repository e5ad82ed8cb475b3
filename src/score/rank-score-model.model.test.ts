import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {referenceRankInput, referenceRankLogit, referenceWordPiece} from "../../test/support/reranker-reference.js";
import {type RandomReranker, writeRandomReranker} from "../../test/support/write-random-reranker.js";
import {lastCharacters, loadScoreModel, type ScoreModel, scorePairs, sigmoid} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "rank-score-model-"));
let reranker: RandomReranker;
let model: ScoreModel;
beforeAll(async () => {
  reranker = await writeRandomReranker({path: join(dir, "reranker.gguf"), seed: 1, contextLength: 48});
  model = await loadScoreModel({path: reranker.path, threads: 1});
});
afterAll(async () => {
  await model?.dispose();
  rmSync(dir, {recursive: true, force: true});
});

/** Measured: 2e-7. Flash attention's F16 rounding would move these logits by up to 4e-4. */
const TOLERANCE = 1e-5;
const tokens = (text: string): number[] => referenceWordPiece(reranker, text);
/** The logit of the reference forward pass for the pair's tokens, each cut to the given length. */
const expectedLogit = (question: number[], answer: number[]): number => referenceRankLogit(reranker.weights, referenceRankInput(reranker, question, answer));
const words = (count: number, from: string): string => Array.from({length: count}, (_, i) => from.split(" ")[i % from.split(" ").length]).join(" ");

describe("RankScoreModel on a random BERT reranker GGUF", () => {
  it("is chosen by loadScoreModel and reads the context's length", () => {
    expect(model.name).toBe(reranker.path);
    // 48 positions; node-llama-cpp needs the input shorter than the context.
    expect(model.maxLength).toBe(47);
  });

  it("gives the logits of an independent forward pass (to 1e-5: F32 throughout, no F16 flash attention)", async () => {
    const pairs = [
      {question: "What is the capital of France?", answer: "Paris is a city in Europe."},
      {question: "What is the capital of France?", answer: "The cat sat on the mat."},
      {question: "How many legs does a spider have?", answer: "Eight, running!"},
      {question: "Who wrote the book?", answer: "It was written by an author named Zed."}
    ];
    const logits = await model.logits(pairs);
    const expected = pairs.map((pair) => expectedLogit(tokens(pair.question), tokens(pair.answer)));
    for (let i = 0; i < pairs.length; i++) expect(Math.abs(logits[i]! - expected[i]!)).toBeLessThan(TOLERANCE);
    // The pairs' logits differ by far more than the tolerance, so the comparison tells them apart.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.02);
  });

  it("truncates a pair too long for the context longest_first, keeping the start of each text", async () => {
    const question = "What is the capital of France?"; // 7 tokens
    const longAnswer = words(100, "the river flows to the sea and water");
    const longQuestion = words(60, "who wrote the book it was written by");
    const pairs = [
      {question, answer: longAnswer},
      {question: longQuestion, answer: longAnswer},
      {question: words(80, "red blue green"), answer: "Paris is."},
      {question, answer: `${longAnswer} sun moon night day`}
    ];
    const q = tokens(question);
    const a = tokens(longAnswer);
    expect([q.length, a.length]).toEqual([7, 100]);
    // 47 tokens minus [CLS] [SEP] [SEP] [SEP] leave 43: the short text keeps all, or both get half.
    const expected = [
      expectedLogit(q, a.slice(0, 36)),
      expectedLogit(tokens(longQuestion).slice(0, 21), a.slice(0, 22)),
      expectedLogit(tokens(words(80, "red blue green")).slice(0, 40), tokens("Paris is.")),
      expectedLogit(q, a.slice(0, 36))
    ];
    const logits = await model.logits(pairs);
    for (let i = 0; i < pairs.length; i++) expect(Math.abs(logits[i]! - expected[i]!)).toBeLessThan(TOLERANCE);
    expect(logits[3]).toBe(logits[0]);
  });

  it("through scorePairs: h2oGPT's character cut, then the sigmoid", async () => {
    const answer = words(120, "the sun and the moon and the night");
    const [score] = await scorePairs({model, pairs: [{question: "What is the day?", answer}]});
    const cut = tokens(lastCharacters(answer, 4 * 47));
    expect(cut.length).toBeGreaterThan(38);
    expect(Math.abs((score as number) - sigmoid(expectedLogit(tokens("What is the day?"), cut.slice(0, 43 - 5))))).toBeLessThan(TOLERANCE);
  });
});
