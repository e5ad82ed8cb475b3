import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Tokenizer as RustTokenizer} from "tokenizers";
import {afterAll, describe, expect, it} from "vitest";
import {randomScoreWeights, referenceLogit, scoreModelOnnx, type ScoreModelShape, writeScoreModel} from "../../test/support/score-model.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";
import {loadPairEncoder} from "../tokenizer/index.js";
import {mulberry32} from "../util/index.js";
import {lastCharacters, loadScoreModel, ScoreModelPathError, ScoreModelRunError, scorePairs, sigmoid} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "onnx-score-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const WORDS = "what is the reward model ? it scores answers , playing well . h2ogpt runs on a cpu in half an hour ; zebra 42 yes don't".split(" ");
function randomPairs(seed: number, count: number, maxWords: number): {question: string; answer: string}[] {
  const random = mulberry32(seed);
  const text = () => Array.from({length: 1 + Math.floor(random() * maxWords)}, () => WORDS[Math.floor(random() * WORDS.length)]!).join(" ");
  return Array.from({length: count}, () => ({question: text(), answer: text()}));
}

const SHAPES: Record<string, ScoreModelShape> = {
  "BERT-like (WordPiece)": {layers: 1, hidden: 32, heads: 2, ffn: 64, maxPositions: 64, seed: 7, tokenizer: "wordpiece"},
  "DeBERTa-v3-like (Unigram), 2 layers": {layers: 2, hidden: 32, heads: 4, ffn: 48, maxPositions: 64, seed: 8, tokenizer: "unigram"}
};

describe("ONNX score model (Optimum layout, onnxruntime-node)", () => {
  for (const [label, shape] of Object.entries(SHAPES)) {
    it(`${label}: logits equal an independent float64 forward pass to 1e-4, in padded batches`, async () => {
      const path = join(dir, label.replace(/\W+/g, "-"));
      const weights = writeScoreModel(path, shape);
      const model = await loadScoreModel({path, batchSize: 5, threads: 1});
      try {
        expect(model.maxLength).toBe(64);
        const pairs = randomPairs(shape.seed, 23, 12);
        const rust = RustTokenizer.fromFile(join(path, "tokenizer.json"));
        const expected = await Promise.all(
          pairs.map(async (pair) => {
            const encoding = await rust.encode(pair.question, pair.answer);
            return referenceLogit(weights, encoding.getIds(), encoding.getTypeIds());
          })
        );
        const logits = await model.logits(pairs);
        expect(logits).toHaveLength(pairs.length);
        logits.forEach((logit, i) => expect(Math.abs(sigmoid(logit) - sigmoid(expected[i]!)), `pair ${i}`).toBeLessThan(1e-4));
        expect(new Set(logits.map((logit) => logit.toFixed(3))).size).toBeGreaterThan(15);
      } finally {
        await model.dispose();
      }
    });
  }

  it("truncates long pairs to the model's max length (longest_first) before the forward pass", async () => {
    const path = join(dir, "long");
    const weights = writeScoreModel(path, SHAPES["BERT-like (WordPiece)"]!);
    const model = await loadScoreModel({path});
    const encoder = await loadPairEncoder(path);
    try {
      const pairs = randomPairs(3, 6, 120);
      const outcomes = await scorePairs({model, pairs});
      pairs.forEach((pair, i) => {
        // scorePairs first keeps the last 4 * 64 characters of each, as h2oGPT does.
        const encoding = encoder.encodePair(lastCharacters(pair.question, 256), lastCharacters(pair.answer, 256), {maxLength: 64});
        expect(encoding.inputIds.length).toBeLessThanOrEqual(64);
        expect(Math.abs((outcomes[i] as number) - sigmoid(referenceLogit(weights, encoding.inputIds, encoding.tokenTypeIds)))).toBeLessThan(1e-4);
      });
    } finally {
      await encoder.dispose();
      await model.dispose();
    }
  });
});

describe("ONNX score model on its own thread", () => {
  it("leaves the event loop free while onnxruntime runs a batch (serve's other streams keep going)", async () => {
    const path = join(dir, "small");
    writeScoreModel(path, {layers: 4, hidden: 256, heads: 4, ffn: 1024, maxPositions: 512, seed: 11, tokenizer: "wordpiece"});
    const model = await loadScoreModel({path, threads: 1, batchSize: 8});
    try {
      // One batch of 8 pairs of about 500 tokens: a forward pass of 100 ms or more here.
      const pairs = randomPairs(5, 8, 200).map((pair) => ({question: pair.question, answer: `${pair.answer} ${pair.answer}`}));
      let last = performance.now();
      let widestGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        widestGap = Math.max(widestGap, now - last);
        last = now;
      }, 2);
      const started = performance.now();
      const logits = await model.logits(pairs);
      const elapsed = performance.now() - started;
      clearInterval(timer);
      // The gap still open when the call returns counts too (a blocked loop fires no tick before this line).
      widestGap = Math.max(widestGap, performance.now() - last);
      expect(logits.every(Number.isFinite)).toBe(true);
      // Run on this thread, the pass would be one gap nearly as long as the whole call.
      expect(widestGap, `widest event-loop gap ${widestGap.toFixed(1)} ms of ${elapsed.toFixed(1)} ms`).toBeLessThan(elapsed / 2);
    } finally {
      await model.dispose();
    }
  });

  it("an onnxruntime failure on a batch is a ScoreModelRunError naming the model, and NA in scorePairs", async () => {
    // The tokenizer knows more ids than the model has embeddings for: onnxruntime's Gather fails on the batch.
    const path = join(dir, "short-vocabulary");
    const shape = SHAPES["BERT-like (WordPiece)"]!;
    writeScoreModel(path, shape);
    writeFileSync(join(path, "model.onnx"), scoreModelOnnx(randomScoreWeights(shape, 8)));
    const model = await loadScoreModel({path, threads: 1});
    try {
      const pairs = [{question: "what is the reward model ?", answer: "it scores answers ."}];
      await expect(model.logits(pairs)).rejects.toThrow(ScoreModelRunError);
      await expect(model.logits(pairs)).rejects.toThrow(`score model ${path}: scoring 1 pair(s) failed (Non-zero status code returned while running Gather node.`);
      const errors: unknown[] = [];
      expect(await scorePairs({model, pairs, onError: (error) => errors.push(error)})).toEqual(["NA"]);
      expect(errors).toHaveLength(1);
    } finally {
      await model.dispose();
    }
  });
});

describe("loadScoreModel errors", () => {
  it("a model that loads but cannot run a batch fails at load, naming the file", async () => {
    // No embedding rows at all: even the load's two-token trial run fails in onnxruntime's Gather.
    const path = join(dir, "no-vocabulary");
    const shape = SHAPES["BERT-like (WordPiece)"]!;
    writeScoreModel(path, shape);
    writeFileSync(join(path, "model.onnx"), scoreModelOnnx(randomScoreWeights(shape, 0)));
    await expect(loadScoreModel({path, threads: 1})).rejects.toThrow(new RegExp(`^${join(path, "model.onnx")}: onnxruntime cannot load it \\(.*Gather`));
  });

  it("names the path and what is missing", async () => {
    const partial = join(dir, "partial");
    mkdirSync(partial, {recursive: true});
    writeFileSync(join(partial, "tokenizer.json"), "{}");
    await expect(loadScoreModel({path: partial})).rejects.toThrow(new ScoreModelPathError(partial, "not a score model folder: missing model.onnx, config.json (expected Optimum's ONNX export of a sequence-classification model)"));
    await expect(loadScoreModel({path: join(dir, "nope")})).rejects.toThrow(`${join(dir, "nope")}: no such file or directory`);
    const text = join(dir, "model.txt");
    writeFileSync(text, "hello");
    await expect(loadScoreModel({path: text})).rejects.toThrow(/model\.txt: not a score model: give a folder with model\.onnx/);
    const chat = join(dir, "chat.gguf");
    await writeRandomLlamaGguf({path: chat, seed: 1, nEmbd: 16, nFf: 32, nLayer: 1, nHead: 2, contextLength: 32, vocabulary: {synthetic: 512}});
    await expect(loadScoreModel({path: chat})).rejects.toThrow(/chat\.gguf: a GGUF with neither a reward head \(h2ogpt\.reward\.head\) nor rank pooling/);
  });
});
