/**
 * bench/generate: tokens/s of our generate() against node-llama-cpp's own LlamaCompletion on the same random
 * GGUF (>= 20M parameters, written by our writer with the GPT-NeoX vocabulary), same prompt, greedy, one thread,
 * in the same run; then the total tokens/s of our generate() with 1, 4 and 8 concurrent requests.
 *
 *   npm run bench:generate [-- --tokens=128 --rounds=5 --embd=256 --layers=4]
 *
 * Each side runs `rounds` times, alternating, after one warm-up each; the median is reported. Both generate
 * exactly `tokens` tokens (min_new_tokens / no end-of-sequence needed: a random model rarely emits EOS, and the
 * token counts are checked). Goal: ours / LlamaCompletion >= 0.97.
 */
import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {getLlama, LlamaCompletion, LlamaLogLevel} from "node-llama-cpp";
import {createEngine, type Engine} from "../src/engine/index.js";
import {generate} from "../src/generate/index.js";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key!, value ?? "true"];
  })
);
const tokens = Number(args.tokens ?? 128);
const rounds = Number(args.rounds ?? 5);
const nEmbd = Number(args.embd ?? 256);
const nLayer = Number(args.layers ?? 4);
const vocabPath = resolve(root, "..", "shared/fixtures/vocab/ggml-vocab-gpt-neox.gguf");
const PROMPT = "The history of the printing press begins in the fifteenth century, when";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const fmt = (value: number, digits = 1): string => value.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});

/** Wall time, and the process's CPU time (all threads), which other work on a shared machine disturbs less. */
async function timed<T>(work: () => Promise<T>): Promise<{value: T; seconds: number; cpuSeconds: number}> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return {value, seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6};
}

const dir = await mkdtemp(join(tmpdir(), "h2ogpt-bench-generate-"));
try {
  const modelPath = join(dir, "random-llama.gguf");
  const written = await writeRandomLlamaGguf({
    path: modelPath,
    vocabulary: {gguf: vocabPath},
    nEmbd,
    nLayer,
    nHead: 8,
    nFf: nEmbd * 4,
    contextLength: 2048,
    seed: 1
  });
  console.log(`model: ${fmt(written.parameters / 1e6)}M parameters (F16), vocab ${written.nVocab}, ${nLayer} layers, width ${nEmbd}; ${tokens} tokens per request, ${rounds} rounds, 1 thread`);
  if (written.parameters < 20_000_000) console.log("warning: fewer than 20M parameters; raise --embd or --layers");

  // Ours: the engine as `h2ogpt generate` builds it, one sequence.
  const ours: Engine = await createEngine({baseModel: modelPath, contextLength: 1024, threads: 1, sequences: 1});
  const runOurs = async (): Promise<number> => {
    const result = await generate({engine: ours, prompt: PROMPT, maxNewTokens: tokens, minNewTokens: 0, temperature: 0});
    return result.completionTokens;
  };

  // The peer: node-llama-cpp's LlamaCompletion on its own model instance with the same settings.
  const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
  const model = await llama.loadModel({modelPath});
  const context = await model.createContext({contextSize: 1024, threads: 1, sequences: 1});
  const completion = new LlamaCompletion({contextSequence: context.getSequence()});
  const runPeer = async (): Promise<number> => {
    let count = 0;
    await completion.generateCompletion(PROMPT, {maxTokens: tokens, temperature: 0, onToken: (t) => (count += t.length)});
    return count;
  };

  await runOurs();
  await runPeer();
  const oursRates: number[] = [];
  const peerRates: number[] = [];
  const oursCpuRates: number[] = [];
  const peerCpuRates: number[] = [];
  const measure = async (side: "ours" | "peer", round: number): Promise<void> => {
    const {value, seconds, cpuSeconds} = await timed(side === "ours" ? runOurs : runPeer);
    if (value !== tokens) console.log(`note: round ${round + 1}: ${side} generated ${value} of ${tokens} tokens`);
    (side === "ours" ? oursRates : peerRates).push(value / seconds);
    (side === "ours" ? oursCpuRates : peerCpuRates).push(value / cpuSeconds);
  };
  // ABBA order, so a drift in machine load weighs on both sides alike.
  for (let round = 0; round < rounds; round++) {
    const order: ("ours" | "peer")[] = round % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
    for (const side of order) await measure(side, round);
  }
  const oursMedian = median(oursRates);
  const peerMedian = median(peerRates);
  const ratio = oursMedian / peerMedian;
  const cpuRatio = median(oursCpuRates) / median(peerCpuRates);
  console.log(`single request    ours generate() ${fmt(oursMedian)} tok/s | node-llama-cpp LlamaCompletion ${fmt(peerMedian)} tok/s | ratio ${fmt(ratio, 3)}x (goal >= 0.97x)`);
  console.log(`                  per CPU second: ours ${fmt(median(oursCpuRates))} | peer ${fmt(median(peerCpuRates))} | ratio ${fmt(cpuRatio, 3)}x`);
  console.log(`                  rounds (tok/s): ours [${oursRates.map((r) => fmt(r, 0)).join(", ")}] peer [${peerRates.map((r) => fmt(r, 0)).join(", ")}]`);
  await context.dispose();
  await model.dispose();
  await ours.close();

  // Concurrency: k requests at once on an engine with 8 sequences (llama.cpp batches them into one decode).
  const batched = await createEngine({baseModel: modelPath, contextLength: 1024, threads: 1, sequences: 8});
  const concurrency: {requests: number; tokensPerSecond: number}[] = [];
  for (const requests of [1, 4, 8]) {
    const run = () =>
      Promise.all(
        Array.from({length: requests}, (_, i) => generate({engine: batched, prompt: `${PROMPT} (${i})`, maxNewTokens: tokens, temperature: 0}))
      );
    await run();
    const rates: number[] = [];
    for (let round = 0; round < Math.max(1, Math.ceil(rounds / 2)); round++) {
      const {value, seconds} = await timed(run);
      rates.push(value.reduce((sum, r) => sum + r.completionTokens, 0) / seconds);
    }
    concurrency.push({requests, tokensPerSecond: median(rates)});
    console.log(`${String(requests).padStart(2)} concurrent      total ${fmt(median(rates))} tok/s`);
  }
  await batched.close();

  const resultsDir = join(root, "bench", "results");
  await mkdir(resultsDir, {recursive: true});
  await writeFile(
    join(resultsDir, "generate.json"),
    JSON.stringify({date: new Date().toISOString(), parameters: written.parameters, tokens, rounds, oursTokensPerSecond: oursMedian, peerTokensPerSecond: peerMedian, ratio, cpuRatio, concurrency}, null, 2) + "\n"
  );
  console.log("figures are from a shared 2-core machine: noisy; compare the ratio, not the absolute numbers");
} finally {
  await rm(dir, {recursive: true, force: true});
}
