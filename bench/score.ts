/**
 * bench/score: pairs/s of our scoring path (loadScoreModel + logits: pair encoding with our tokenizer,
 * longest_first truncation, padded batches, onnxruntime-node) against onnxruntime-node called directly on the
 * same batches already tokenized (the same ids, encoded before the timing starts), in the same run. The goal is >= 0.9x:
 * tokenization and batching must not be the bottleneck. Two random models in Optimum's layout: the tiny test
 * model (1 layer, hidden 32) and a BERT-base-shaped small one (4 layers, hidden 256, 512 positions).
 *
 * A run scores a data set once: a few thousand distinct (question, answer) pairs of real English (sentences of
 * /usr/share/common-licenses, READMEs under /usr/share/doc and the default model's FAQ), each pair once, with a
 * freshly loaded score model, so its chunk cache starts cold and warms only with the text's own repeated words.
 * Ours encodes windows of pairs (taken by character length, each sorted by token count) while onnxruntime runs the
 * batches of the one before, on its own thread; the peer gets the pairs encoded before the timing starts and sorted
 * by token count, so the ratio measures what our encoding, tensors, batching and thread add. Both start a run
 * alike, outside the timing: a fresh thread, a fresh session and one two-token trial run (which our load makes), so
 * neither times a session's first-run allocations.
 *
 * With --cold each side runs in a fresh process and is timed at its first load, with no warm-up: what a one-off
 * `h2ogpt score` on a file pays, compiling our tokenizer's JavaScript as it goes.
 *
 *   npm run bench:score [-- --pairs=4000 --small_pairs=200 --runs=7 --threads=1 --batch=8 --cold]
 */
import {execFileSync} from "node:child_process";
import {mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {Worker} from "node:worker_threads";
import {gunzipSync} from "node:zlib";
import {loadScoreModel} from "../src/score/index.js";
import {loadPairEncoder} from "../src/tokenizer/index.js";
import {mulberry32} from "../src/util/index.js";
import {type ScoreModelShape, TINY_SCORE_MODEL, writeScoreModel} from "../test/support/score-model.js";

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const PAIRS = Number(flags.pairs ?? 4000);
const RUNS = Number(flags.runs ?? 7);
const THREADS = Number(flags.threads ?? 1);
const BATCH = Number(flags.batch ?? 8);
/** The 4-layer model scores about 60 pairs/s, so its runs take the first this many pairs. */
const SMALL_PAIRS = Number(flags.small_pairs ?? 200);
/** Each run's ours and peer in a fresh process, timed at their first load: a one-off `h2ogpt score`'s lot. */
const COLD = "cold" in flags;

const MODELS: Record<string, {shape: ScoreModelShape; pairs: number}> = {
  "tiny (1 layer, hidden 32)": {shape: TINY_SCORE_MODEL, pairs: PAIRS},
  "small (4 layers, hidden 256)": {shape: {layers: 4, hidden: 256, heads: 4, ffn: 1024, maxPositions: 512, seed: 11, tokenizer: "wordpiece"}, pairs: SMALL_PAIRS}
};

interface Pair {
  readonly question: string;
  readonly answer: string;
}

function readText(path: string): string {
  try {
    const bytes = readFileSync(path);
    return (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  } catch {
    return "";
  }
}

/** Sentences of English text found on every Debian machine, in sorted file order. */
function sentences(): string[] {
  const licenses = "/usr/share/common-licenses";
  const docs = "/usr/share/doc";
  const list = (dir: string) => {
    try {
      return readdirSync(dir).sort();
    } catch {
      return [];
    }
  };
  const files = [
    ...list(licenses).map((name) => join(licenses, name)),
    ...list(docs).flatMap((pkg) => list(join(docs, pkg)).filter((name) => /^readme(\.md|\.txt)?(\.gz)?$/i.test(name)).map((name) => join(docs, pkg, name)))
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const file of files) {
    for (const sentence of readText(file).replace(/\s+/g, " ").split(/(?<=[.!?])\s+(?=[A-Z(])/)) {
      const words = sentence.trim().split(" ").length;
      if (words < 4 || words > 80 || seen.has(sentence)) continue;
      seen.add(sentence);
      out.push(sentence.trim());
    }
  }
  return out;
}

/**
 * `count` distinct pairs in a random order: each FAQ question with its answer, and sentences as questions with the
 * next one to four sentences of the same text as answers, drawn with a fixed seed.
 */
function realPairs(count: number): Pair[] {
  const faq = JSON.parse(readFileSync(resolve(import.meta.dirname, "../data/default-model/faq.json"), "utf8")) as {questions: string[]; answer: string}[];
  const pool = sentences();
  const random = mulberry32(5);
  const pairs: Pair[] = faq.flatMap((entry) => entry.questions.map((question) => ({question, answer: entry.answer})));
  const keys = new Set(pairs.map((pair) => `${pair.question}\n${pair.answer}`));
  for (let tries = 0; pairs.length < count && tries < 20 * count; tries++) {
    const at = Math.floor(random() * (pool.length - 5));
    const answer = pool.slice(at + 1, at + 2 + Math.floor(random() * 4)).join(" ");
    const key = `${pool[at]}\n${answer}`;
    if (keys.has(key)) continue;
    keys.add(key);
    pairs.push({question: pool[at]!, answer});
  }
  // Shuffled, so any prefix (the 4-layer model's) mixes FAQ and documentation pairs.
  for (let k = pairs.length - 1; k > 0; k--) {
    const other = Math.floor(random() * (k + 1));
    [pairs[k], pairs[other]] = [pairs[other]!, pairs[k]!];
  }
  return pairs.slice(0, count);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One batch of the peer's: ids, mask and token types as int64 arrays (row-major, rows x width). */
interface PeerBatch {
  readonly ids: BigInt64Array;
  readonly mask: BigInt64Array;
  readonly types: BigInt64Array;
  readonly shape: [number, number];
}

/**
 * The peer's inputs: the pairs tokenized beforehand and sorted by token count (stable), the batching with the least
 * padding (ours, sorting windows of pairs, pads as much on the tiny model and 0.4% more at 512 tokens).
 */
async function peerBatches(path: string, pairs: readonly Pair[], maxLength: number): Promise<PeerBatch[]> {
  const encoder = await loadPairEncoder(path);
  const encodings = pairs.map((pair) => encoder.encodePair(pair.question, pair.answer, {maxLength}));
  await encoder.dispose();
  encodings.sort((x, y) => x.inputIds.length - y.inputIds.length);
  const batches: PeerBatch[] = [];
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
    batches.push({ids, mask, types, shape: [batch.length, width]});
  }
  return batches;
}

/**
 * The peer: onnxruntime-node called directly (InferenceSession.run on each batch, in order) on a thread of its own.
 * It makes its tensors when the batches arrive and runs them when told to, so the timing holds the runs alone.
 */
const PEER_SOURCE = `
const {parentPort, workerData} = process.getBuiltinModule("node:worker_threads");
const {createRequire} = process.getBuiltinModule("node:module");
const ort = createRequire(workerData.requireFrom)("onnxruntime-node");
let session;
let feeds;
parentPort.on("message", async (message) => {
  if (message === "run") {
    for (const feed of feeds) await session.run(feed);
    parentPort.postMessage("done");
  } else if (message === "close") {
    await session.release();
    parentPort.close();
  } else {
    feeds = message.map(({ids, mask, types, shape}) => ({
      input_ids: new ort.Tensor("int64", ids, shape),
      attention_mask: new ort.Tensor("int64", mask, shape),
      token_type_ids: new ort.Tensor("int64", types, shape)
    }));
    parentPort.postMessage("loaded");
  }
});
(async () => {
  session = await ort.InferenceSession.create(workerData.modelPath, workerData.sessionOptions);
  const trial = new ort.Tensor("int64", new BigInt64Array(2), [1, 2]);
  await session.run({input_ids: trial, attention_mask: trial, token_type_ids: trial});
  parentPort.postMessage("ready");
})();
`;

interface Peer {
  /** Seconds to run every batch. */
  run(): Promise<number>;
  close(): Promise<void>;
}

async function startPeer(modelPath: string, batches: readonly PeerBatch[]): Promise<Peer> {
  const sessionOptions = {executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: THREADS, interOpNumThreads: 1};
  const worker = new Worker(PEER_SOURCE, {eval: true, workerData: {requireFrom: import.meta.url, modelPath, sessionOptions}});
  const next = () => new Promise<unknown>((done, fail) => {
    worker.once("message", done);
    worker.once("error", fail);
  });
  await next();
  // Copies: the arrays are handed over, and the next run needs them again.
  const copies = batches.map(({ids, mask, types, shape}) => ({ids: ids.slice(), mask: mask.slice(), types: types.slice(), shape}));
  worker.postMessage(copies, copies.flatMap(({ids, mask, types}) => [ids.buffer, mask.buffer, types.buffer]));
  await next();
  return {
    run: async () => {
      const started = performance.now();
      worker.postMessage("run");
      await next();
      return (performance.now() - started) / 1000;
    },
    close: async () => {
      const exited = new Promise((done) => worker.once("exit", done));
      worker.postMessage("close");
      await exited;
    }
  };
}

/** pairs/s of ours: a freshly loaded model (so a cold chunk cache) scoring every pair once. */
async function oursRate(path: string, pairs: readonly Pair[]): Promise<number> {
  const ours = await loadScoreModel({path, threads: THREADS, batchSize: BATCH});
  const started = performance.now();
  await ours.logits(pairs);
  const seconds = (performance.now() - started) / 1000;
  await ours.dispose();
  return pairs.length / seconds;
}

async function peerRate(path: string, batches: readonly PeerBatch[]): Promise<number> {
  const peer = await startPeer(join(path, "model.onnx"), batches);
  const seconds = await peer.run();
  await peer.close();
  return batches.reduce((sum, batch) => sum + batch.shape[0], 0) / seconds;
}

if (flags.side !== undefined) {
  // --cold's child: one side, once, in a process of its own.
  const path = flags.dir!;
  const pairs = realPairs(PAIRS).slice(0, Number(flags.count));
  const rate = flags.side === "ours" ? await oursRate(path, pairs) : await peerRate(path, await peerBatches(path, pairs, Number(flags.max_length)));
  console.log(`RATE ${rate}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), "bench-score-"));
  try {
    const all = realPairs(PAIRS);
    console.log(
      `bench:score: distinct pairs of real text, each scored once a run by a freshly loaded model; batch ${BATCH}, ` +
        `${THREADS} thread(s), median of ${RUNS} runs, ${COLD ? "each side in a fresh process (--cold)" : "alternating"}`
    );
    for (const [label, {shape, pairs: count}] of Object.entries(MODELS)) {
      const pairs = all.slice(0, count);
      const chunks = new Set(pairs.flatMap((pair) => `${pair.question} ${pair.answer}`.split(" "))).size;
      const path = join(dir, label.replace(/\W+/g, "-"));
      writeScoreModel(path, shape);
      const warm = await loadScoreModel({path, threads: THREADS, batchSize: BATCH});
      const maxLength = warm.maxLength;
      const batches = await peerBatches(path, pairs, maxLength);
      // One untimed round of each warms the disk cache and the main thread's compiled code (not with --cold).
      if (!COLD) {
        await warm.logits(pairs);
        await peerRate(path, batches);
      }
      await warm.dispose();
      const child = (side: string) => {
        const args = [...process.execArgv, import.meta.filename, ...process.argv.slice(2), `--side=${side}`, `--dir=${path}`, `--count=${count}`, `--max_length=${maxLength}`];
        const out = execFileSync(process.execPath, args, {encoding: "utf8", stdio: ["ignore", "pipe", "inherit"]});
        return Number(/^RATE (\S+)$/m.exec(out)![1]);
      };
      const oursRates: number[] = [];
      const peerRates: number[] = [];
      const ratios: number[] = [];
      // The ratio is the median of each run's ratio (ours and the peer measured back to back), which load on the
      // machine shifts least.
      for (let run = 0; run < RUNS; run++) {
        oursRates.push(COLD ? child("ours") : await oursRate(path, pairs));
        peerRates.push(COLD ? child("peer") : await peerRate(path, batches));
        ratios.push(oursRates[run]! / peerRates[run]!);
      }
      console.log(
        `${label.padEnd(30)} ours ${median(oursRates).toFixed(1).padStart(9)} pairs/s   onnxruntime direct ${median(peerRates).toFixed(1).padStart(9)} pairs/s   ratio ${median(ratios).toFixed(2)}x   (${pairs.length} pairs, ${chunks} distinct chunks)`
      );
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
