/**
 * bench/score: pairs/s of our scoring path (loadScoreModel + logits: pair encoding with our tokenizer,
 * longest_first truncation, padded batches, onnxruntime-node) against onnxruntime-node called directly on the
 * same batches already tokenized (the same ids, encoded before the timing starts), in the same run. The goal is >= 0.9x:
 * tokenization and batching must not be the bottleneck. Two random models in Optimum's layout: the tiny test
 * model (1 layer, hidden 32) and a BERT-base-shaped small one (4 layers, hidden 256, 512 positions). Ours batches
 * pairs of similar length together, the peer runs them in input order, so ours pads less where lengths vary.
 *
 *   npm run bench:score [-- --pairs=128 --runs=9 --threads=1 --batch=8]
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import * as ort from "onnxruntime-node";
import {loadScoreModel} from "../src/score/index.js";
import {loadPairEncoder} from "../src/tokenizer/index.js";
import {mulberry32} from "../src/util/index.js";
import {type ScoreModelShape, TINY_SCORE_MODEL, writeScoreModel} from "../test/support/score-model.js";

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const PAIRS = Number(flags.pairs ?? 128);
const RUNS = Number(flags.runs ?? 9);
const THREADS = Number(flags.threads ?? 1);
const BATCH = Number(flags.batch ?? 8);

const MODELS: Record<string, ScoreModelShape> = {
  "tiny (1 layer, hidden 32)": TINY_SCORE_MODEL,
  "small (4 layers, hidden 256)": {layers: 4, hidden: 256, heads: 4, ffn: 1024, maxPositions: 512, seed: 11, tokenizer: "wordpiece"}
};

const WORDS = "what is the reward model ? it scores answers , playing well . h2ogpt runs on a cpu in half an hour ; zebra 42 yes don't Unknown".split(" ");
function randomPairs(count: number): {question: string; answer: string}[] {
  const random = mulberry32(5);
  const text = (words: number) => Array.from({length: words}, () => WORDS[Math.floor(random() * WORDS.length)]!).join(" ");
  return Array.from({length: count}, () => ({question: text(10 + Math.floor(random() * 30)), answer: text(20 + Math.floor(random() * 100))}));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function peerBatches(path: string, pairs: {question: string; answer: string}[], maxLength: number): Promise<Record<string, ort.Tensor>[]> {
  const encoder = await loadPairEncoder(path);
  const encodings = pairs.map((pair) => encoder.encodePair(pair.question, pair.answer, {maxLength}));
  await encoder.dispose();
  const batches: Record<string, ort.Tensor>[] = [];
  for (let start = 0; start < encodings.length; start += BATCH) {
    const batch = encodings.slice(start, start + BATCH);
    const width = Math.max(...batch.map((encoding) => encoding.inputIds.length));
    const ids = new BigInt64Array(batch.length * width);
    const mask = new BigInt64Array(batch.length * width);
    const types = new BigInt64Array(batch.length * width);
    batch.forEach((encoding, row) => {
      encoding.inputIds.forEach((id, k) => {
        ids[row * width + k] = BigInt(id);
        mask[row * width + k] = 1n;
        types[row * width + k] = BigInt(encoding.tokenTypeIds[k]!);
      });
    });
    const shape = [batch.length, width];
    batches.push({input_ids: new ort.Tensor("int64", ids, shape), attention_mask: new ort.Tensor("int64", mask, shape), token_type_ids: new ort.Tensor("int64", types, shape)});
  }
  return batches;
}

const dir = mkdtempSync(join(tmpdir(), "bench-score-"));
try {
  const pairs = randomPairs(PAIRS);
  console.log(`bench:score: ${PAIRS} pairs, batch ${BATCH}, ${THREADS} thread(s), median of ${RUNS} alternating runs`);
  for (const [label, shape] of Object.entries(MODELS)) {
    const path = join(dir, label.replace(/\W+/g, "-"));
    writeScoreModel(path, shape);
    const ours = await loadScoreModel({path, threads: THREADS, batchSize: BATCH});
    const peer = await ort.InferenceSession.create(join(path, "model.onnx"), {executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: THREADS, interOpNumThreads: 1});
    const batches = await peerBatches(path, pairs, ours.maxLength);
    await ours.logits(pairs.slice(0, BATCH));
    await peer.run(batches[0]!);
    // A run scores the pairs `passes` times, enough for a tenth of a second of the peer's time: one pass of the
    // tiny model takes a few milliseconds, too short to measure on a shared machine. The ratio is the median of
    // each run's ratio (ours and the peer measured back to back), which load on the machine shifts least.
    let started = performance.now();
    for (const feeds of batches) await peer.run(feeds);
    const passes = Math.max(1, Math.ceil(100 / (performance.now() - started)));
    const oursRates: number[] = [];
    const peerRates: number[] = [];
    const ratios: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      for (let pass = 0; pass < passes; pass++) await ours.logits(pairs);
      oursRates.push((passes * PAIRS) / ((performance.now() - started) / 1000));
      started = performance.now();
      for (let pass = 0; pass < passes; pass++) for (const feeds of batches) await peer.run(feeds);
      peerRates.push((passes * PAIRS) / ((performance.now() - started) / 1000));
      ratios.push(oursRates[run]! / peerRates[run]!);
    }
    console.log(
      `${label.padEnd(30)} ours ${median(oursRates).toFixed(1).padStart(9)} pairs/s   onnxruntime direct ${median(peerRates).toFixed(1).padStart(9)} pairs/s   ratio ${median(ratios).toFixed(2)}x   (${passes} passes a run)`
    );
    await ours.dispose();
    await peer.release();
  }
} finally {
  rmSync(dir, {recursive: true, force: true});
}
