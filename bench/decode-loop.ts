/**
 * bench/decode-loop: how fast node-llama-cpp's binding decodes a batch of one token for each of N sequences, in a
 * bare loop of `initBatch` / `addToBatch` / `decodeBatch` (no sampling, no engine), beside llama-batched-bench's
 * generation phase on the same GGUF and shape, in one run. It tells the binding (prebuilt or `npm run
 * build:native`) apart from how the engine drives it: docs/serve.md, "Where the time goes". Then our engine in the
 * same shape without HTTP: N closed-loop generations of up to --steps tokens (bench:serve-vs-llama-server's prompts,
 * temperature 0.7, the default top_k) for --seconds. What it loses against the bare loop is the hand-over between
 * two decodes (sampling, our per-token JavaScript) and the prompts of new requests.
 *
 *   npm run bench:decode-loop [-- --model=bench|demo|PATH --sequences=8 --steps=128 --threads=1 --flash_attention=off|on
 *       --seconds=10]
 */
import {execFileSync} from "node:child_process";
import {getLlama} from "node-llama-cpp";
import {createEngine} from "../src/engine/index.js";
import {findLlamaTool} from "../test/support/llama-server.js";
import {serveBenchModel} from "./serve-bench-model.js";

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const model = await serveBenchModel(flags.model ?? "bench");
const sequences = Number(flags.sequences ?? 8);
const steps = Number(flags.steps ?? 128);
const threads = Number(flags.threads ?? 1);
const flashAttention = (flags.flash_attention ?? "off") === "on";
const seconds = Number(flags.seconds ?? 10);
const PROMPT = 16;
/**
 * Context for a sequence's prompt and steps, with room to spare. node-llama-cpp's contextSize is per sequence,
 * llama-batched-bench's -c is the total it splits between them.
 */
const contextSize = PROMPT + steps + 16;

const llama = await getLlama({gpu: false, build: "never"});
const loaded = await llama.loadModel({modelPath: model});
const context = await loaded.createContext({contextSize, sequences, threads, flashAttention});
// The binding under node-llama-cpp's public classes: the calls its own decode loop makes, and nothing else.
const binding = (context as unknown as {_ctx: {initBatch(n: number): void; addToBatch(s: number, at: number, tokens: Uint32Array, logits: Uint32Array): Uint32Array; decodeBatch(): Promise<void>}})._ctx;
binding.initBatch(PROMPT * sequences);
for (let s = 0; s < sequences; s++) binding.addToBatch(s, 0, Uint32Array.from({length: PROMPT}, (_, i) => 100 + i + s), Uint32Array.from([PROMPT - 1]));
await binding.decodeBatch();
const started = performance.now();
for (let step = 0; step < steps; step++) {
  binding.initBatch(sequences);
  for (let s = 0; s < sequences; s++) binding.addToBatch(s, PROMPT + step, Uint32Array.from([200 + step]), Uint32Array.from([0]));
  await binding.decodeBatch();
}
const ours = (sequences * steps) / ((performance.now() - started) / 1000);
await context.dispose();
await loaded.dispose();
const binary = llama.buildType === "localBuild" ? "native build" : "prebuilt binary";
console.log(`node-llama-cpp (${binary}), ${sequences} sequences, ${threads} thread(s), flash attention ${flashAttention ? "on" : "off"}: ${ours.toFixed(0)} tokens/s`);

const batchedBench = findLlamaTool("llama-batched-bench");
if (batchedBench == null) {
  console.log("llama-batched-bench is absent (scripts/build-llama-server.sh builds it): no peer figure");
} else {
  const out = execFileSync(batchedBench, ["-m", model, "-c", String(contextSize * sequences), "-b", "2048", "-ub", "512", "-npp", String(PROMPT), "-ntg", String(steps), "-npl", String(sequences), "-t", String(threads), "-fa", flashAttention ? "on" : "off"], {encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]});
  // The row's columns: PP, TG, B, N_KV, T_PP, S_PP, T_TG, S_TG, T, S.
  const row = out.split("\n").find((line) => new RegExp(`^\\|\\s*${PROMPT}\\s*\\|\\s*${steps}\\s*\\|\\s*${sequences}\\s*\\|`).test(line));
  const peer = Number(row?.split("|").map((cell) => cell.trim())[8]);
  console.log(`llama-batched-bench, same shape: ${peer.toFixed(0)} tokens/s; ours / peer ${(ours / peer).toFixed(2)}x`);
}

const engine = await createEngine({baseModel: model, sequences, contextLength: contextSize, threads, flashAttention});
let generated = 0;
let answers = 0;
const engineStarted = performance.now();
const deadline = engineStarted + seconds * 1000;
await Promise.all(
  Array.from({length: sequences}, async (_, client) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const prompt = `<human>: Story ${client}-${i}: explain what a tokenizer does.\n<bot>:`;
      const {completionTokens} = await engine.generate({prompt, maxNewTokens: steps, temperature: 0.7}).result;
      generated += completionTokens;
      answers++;
    }
  })
);
const engineRate = generated / ((performance.now() - engineStarted) / 1000);
await engine.close();
const stepMs = (rate: number): number => (sequences / rate) * 1000;
console.log(
  `our engine, ${sequences} closed-loop generations of up to ${steps} tokens for ${seconds} s (no HTTP): ${engineRate.toFixed(0)} tokens/s, ` +
    `${(generated / answers).toFixed(1)} tokens an answer; engine / bare loop ${(engineRate / ours).toFixed(2)}x, ` +
    `${(stepMs(engineRate) - stepMs(ours)).toFixed(2)} ms more a step of ${sequences} tokens`
);
