/**
 * bench/train-reward: reward-model training tokens/s (`finetune({reward})`, the Bradley-Terry loss on a scalar head)
 * against PyTorch on the same model, weights, pairs and optimizer, in the same run. The model is bench/train.ts's
 * (llama, vocab 8192, width 256, 4 layers, SwiGLU 1024, tied); a step is 4 pairs = 8 sequences x 256 tokens.
 *
 *   npm run bench:train-reward [-- --steps=6 --threads=2 --modes=full,lora --train_backend=onnxruntime|jax]
 *
 * --train_backend picks our tensor runtime as `h2ogpt finetune --train_backend` does (default: finetune's choice,
 * onnxruntime). Each side runs in its own process; the first step (compilation) is left out of the median. PyTorch
 * (bench/train_reward_torch.py) runs when importable; otherwise the line says it is missing. Both sides start from
 * the same weights and head, so their losses should agree to about 4 decimals.
 */
import {execFile} from "node:child_process";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {promisify} from "node:util";
import {finetune, type RewardRow, type TrainBackendName} from "../src/train/index.js";
import {parameterCount, type LlamaConfig} from "../src/train/llama-config.js";
import {readMetrics} from "../src/train/metrics.js";
import {Random} from "../src/train/random.js";
import {addRewardHead} from "../src/train/reward-head.js";
import {BENCH_LENGTH, BENCH_MODEL, writeBenchModel} from "./bench-model.js";
import {TORCH_MISSING, torchPython} from "./torch-python.js";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).map((arg) => [arg.replace(/^--/, "").split("=")[0]!, arg.split("=")[1] ?? "true"]));
const steps = Number(args.steps ?? 6);
const threads = Number(args.threads ?? 2);
const modes = (args.modes ?? "full,lora").split(",") as ("full" | "lora")[];
const trainBackend = args.train_backend as TrainBackendName | undefined;
const PAIRS = 4;
const LENGTH = BENCH_LENGTH;
const LEARNING_RATE = 1e-3;
const config: LlamaConfig = BENCH_MODEL;

interface SideResult {
  readonly tokensPerSecond: number;
  readonly losses: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Pairs of random sequences of exactly LENGTH tokens, so every step is 2 x PAIRS x LENGTH tokens. */
function pairs(): RewardRow[] {
  const random = new Random(7);
  const sequence = () => Int32Array.from({length: LENGTH}, () => Math.floor(random.next() * config.vocabSize));
  return Array.from({length: PAIRS}, () => {
    const chosen = sequence();
    return {inputIds: chosen, labels: chosen, rejectedIds: sequence()};
  });
}

async function child(dir: string, mode: "full" | "lora"): Promise<void> {
  const outputDir = join(dir, `out-${mode}`);
  await rm(outputDir, {recursive: true, force: true});
  await finetune({
    baseModel: join(dir, "model.gguf"),
    rows: pairs(),
    outputDir,
    reward: {maxLength: LENGTH},
    full: mode === "full",
    loraDropout: 0,
    microBatchSize: PAIRS,
    batchSize: PAIRS,
    numEpochs: steps,
    learningRate: LEARNING_RATE,
    warmupSteps: 0,
    lrSchedulerType: "constant",
    maxGradNorm: 0,
    threads,
    trainBackend,
    saveTotalLimit: 1,
    seed: 1
  });
  const metrics = (await readMetrics(join(outputDir, "metrics.jsonl"))).filter((m) => m.loss != null);
  const seconds = median(metrics.slice(1).map((m, i) => m.elapsed_seconds! - metrics[i]!.elapsed_seconds!));
  process.stdout.write(JSON.stringify({tokensPerSecond: (2 * PAIRS * LENGTH) / seconds, losses: metrics.map((m) => m.loss!)}) + "\n");
}

async function ours(dir: string, mode: "full" | "lora"): Promise<SideResult> {
  const argv = [
    "--import",
    "tsx",
    fileURLToPath(import.meta.url),
    `--child=${mode}`,
    `--dir=${dir}`,
    `--steps=${steps}`,
    `--threads=${threads}`,
    ...(trainBackend == null ? [] : [`--train_backend=${trainBackend}`])
  ];
  const {stdout} = await run(process.execPath, argv, {cwd: root, maxBuffer: 1 << 24});
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as SideResult;
}

async function torch(dir: string, mode: "full" | "lora"): Promise<SideResult | string> {
  const python = await torchPython();
  if (python == null) return `${TORCH_MISSING}: no peer figure`;
  const {stdout} = await run(python, [join(root, "bench", "train_reward_torch.py"), dir, mode, String(steps), String(threads)], {
    env: {...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: String(threads)},
    maxBuffer: 1 << 24
  });
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  return {tokensPerSecond: r.tokens_per_second, losses: r.losses};
}

/**
 * The model (GGUF for us, raw float32 for PyTorch), the head full fine-tuning starts from, and the pairs as token ids.
 */
async function writeInputs(dir: string): Promise<void> {
  await writeBenchModel(dir);
  // Full fine-tuning draws nothing before the head, so Random(seed) gives the head finetune starts from.
  const head = addRewardHead({mode: "full", trainable: new Map(), frozen: new Map(), shapes: new Map()}, config.embeddingLength, new Random(1));
  await writeFile(join(dir, "head.bin"), new Uint8Array([...head.trainable.values()][0]!.buffer));
  const ids = new Int32Array(2 * PAIRS * LENGTH);
  pairs().forEach((pair, i) => {
    ids.set(pair.inputIds as Int32Array, 2 * i * LENGTH);
    ids.set(pair.rejectedIds as Int32Array, (2 * i + 1) * LENGTH);
  });
  await writeFile(join(dir, "pairs.bin"), new Uint8Array(ids.buffer));
  await writeFile(join(dir, "pairs.json"), JSON.stringify({pairs: PAIRS, length: LENGTH, learningRate: LEARNING_RATE}));
}

const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});

if (args.child != null) {
  await child(args.dir!, args.child as "full" | "lora");
} else {
  const dir = await mkdtemp(join(tmpdir(), "h2ogpt-bench-train-reward-"));
  try {
    await writeInputs(dir);
    console.log(
      `reward model: llama ${fmt(parameterCount(config) / 1e6, 2)}M parameters + head; ${PAIRS} pairs x 2 x ${LENGTH} tokens per step; ` +
        `${steps} steps (median of ${steps - 1} after 1 warm-up); ${threads} threads each; our backend ${trainBackend ?? "onnxruntime (default)"}`
    );
    for (const mode of modes) {
      const mine = await ours(dir, mode);
      const peer = mode === "full" ? await torch(dir, mode) : "PyTorch peer: full mode only";
      console.log(`${mode}: h2ogpt-ts ${fmt(mine.tokensPerSecond)} tokens/s (losses ${mine.losses.map((l) => l.toFixed(4)).join(" ")})`);
      if (typeof peer === "string") console.log(`${mode}: ${peer}`);
      else
        console.log(
          `${mode}: PyTorch ${fmt(peer.tokensPerSecond)} tokens/s (losses ${peer.losses.map((l) => l.toFixed(4)).join(" ")}); ` +
            `ratio ${fmt(mine.tokensPerSecond / peer.tokensPerSecond, 2)}x`
        );
    }
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
