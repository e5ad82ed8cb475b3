/**
 * bench/train: training tokens/s and peak RSS of `finetune()` (full and LoRA) against PyTorch on the same model,
 * weights, batch and optimizer settings, in the same run. The model is training.md's benchmark model in llama
 * form (what our trainer trains): vocab 8192, width 256, 4 layers, 4 heads, SwiGLU MLP 1024, tied head,
 * context 256, batch 8, the first 64 positions of each row masked (-100). SwiGLU has three MLP matrices where
 * training.md's GPT-2 model has two, about 18% more FLOPs per token, the same for both sides.
 *
 *   npm run bench:train [-- --steps=6 --threads=2 --modes=full,lora --train_backend=onnxruntime|jax --dir=KEEP_INPUTS_HERE]
 *
 * --train_backend picks our tensor runtime as `h2ogpt finetune --train_backend` does (default: finetune's choice,
 * onnxruntime for this llama model); the backend that ran is printed per mode.
 *
 * Each side runs in its own process (so peak RSS is its own), one after the other; a step is one AdamW update of
 * 8 x 256 tokens; the first step (compilation, warm-up) is left out of the median. PyTorch (Debian's
 * python3-torch with libopenblas0-pthread) runs when importable; otherwise the line says how to install it.
 * Goals: ours/PyTorch >= 0.5 (full) and >= 0.7 (LoRA). The full-mode losses of both sides are printed step by
 * step: they start from the same weights and should agree to about 4 decimals.
 */
import {execFile} from "node:child_process";
import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {promisify} from "node:util";
import {finetune, type TrainBackendName} from "../src/train/index.js";
import {parameterCount, type LlamaConfig} from "../src/train/llama-config.js";
import {readMetrics} from "../src/train/metrics.js";
import {toMicroBatch} from "../src/train/micro-batch.js";
import {Random} from "../src/train/random.js";
import {BENCH_LENGTH, BENCH_MODEL, writeBenchModel} from "./bench-model.js";
import {TORCH_MISSING, torchPython} from "./torch-python.js";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key!, value ?? "true"];
  })
);
const steps = Number(args.steps ?? 6);
const threads = Number(args.threads ?? 2);
const modes = (args.modes ?? "full,lora").split(",") as ("full" | "lora")[];
const trainBackend = args.train_backend as TrainBackendName | undefined;
const BATCH = 8;
const LENGTH = BENCH_LENGTH;
const MASKED = 64;
const LEARNING_RATE = 1e-3;
const config: LlamaConfig = BENCH_MODEL;

interface SideResult {
  readonly secondsPerStep: number;
  readonly tokensPerSecond: number;
  readonly losses: number[];
  readonly peakRssMb: number;
  /** Our side: the tensor runtime finetune() ran on. */
  readonly backend?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Row r: random tokens; labels equal the tokens except the first MASKED, as prompt tokens under train_on_inputs=False. */
function rows(): {inputIds: Int32Array; labels: Int32Array}[] {
  const random = new Random(7);
  return Array.from({length: BATCH}, () => {
    const ids = Int32Array.from({length: LENGTH + 1}, () => Math.floor(random.next() * config.vocabSize));
    return {inputIds: ids, labels: Int32Array.from(ids, (id, t) => (t <= MASKED ? -100 : id))};
  });
}

/** Child: one finetune() run of `steps` optimizer steps on the batch; prints its result as JSON. */
async function child(dir: string, mode: "full" | "lora"): Promise<void> {
  const outputDir = join(dir, `out-${mode}`);
  // A kept --dir holds the previous run's output, which finetune rightly refuses to overwrite.
  await rm(outputDir, {recursive: true, force: true});
  const trained = await finetune({
    baseModel: join(dir, "model.gguf"),
    rows: rows(),
    outputDir,
    full: mode === "full",
    loraDropout: 0,
    microBatchSize: BATCH,
    batchSize: BATCH,
    numEpochs: steps,
    learningRate: LEARNING_RATE,
    warmupSteps: 0,
    lrSchedulerType: "constant",
    maxGradNorm: 0,
    threads,
    saveTotalLimit: 1,
    trainBackend
  });
  const metrics = (await readMetrics(join(outputDir, "metrics.jsonl"))).filter((m) => m.loss != null);
  const stepSeconds = metrics.slice(1).map((m, i) => m.elapsed_seconds! - metrics[i]!.elapsed_seconds!);
  const seconds = median(stepSeconds);
  const result: SideResult = {
    secondsPerStep: seconds,
    tokensPerSecond: (BATCH * LENGTH) / seconds,
    losses: metrics.map((m) => m.loss!),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    backend: trained.trainBackend
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

async function ours(dir: string, mode: "full" | "lora"): Promise<SideResult> {
  const {stdout} = await run(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), `--child=${mode}`, `--dir=${dir}`, `--steps=${steps}`, `--threads=${threads}`, ...(trainBackend == null ? [] : [`--train_backend=${trainBackend}`])], {
    cwd: root,
    maxBuffer: 1 << 24
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as SideResult;
}


async function torch(dir: string, mode: "full" | "lora"): Promise<SideResult | string> {
  const python = await torchPython();
  if (python == null) return `skipped: ${TORCH_MISSING}`;
  const {stdout} = await run(python, [join(root, "bench", "train_torch.py"), dir, mode, String(steps), String(threads)], {
    env: {...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: String(threads)},
    maxBuffer: 1 << 24
  });
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  return {secondsPerStep: r.seconds_per_step, tokensPerSecond: r.tokens_per_second, losses: r.losses, peakRssMb: r.peak_rss_mb};
}

/** The model as a GGUF for us and as raw float32 for PyTorch, and the batch as PyTorch reads it. */
async function writeInputs(dir: string): Promise<void> {
  await writeBenchModel(dir);
  const batch = toMicroBatch(rows());
  const packed = new Int32Array(3 * batch.tokens.length);
  packed.set(batch.tokens, 0);
  packed.set(batch.targets, batch.tokens.length);
  packed.set(new Int32Array(batch.lossMask.buffer), 2 * batch.tokens.length);
  await writeFile(join(dir, "batch.bin"), new Uint8Array(packed.buffer));
  await writeFile(join(dir, "batch.json"), JSON.stringify({batchSize: batch.batchSize, length: batch.length, learningRate: LEARNING_RATE}));
}

const fmt = (value: number, digits = 0): string => value.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});

if (args.child != null) {
  await child(args.dir!, args.child as "full" | "lora");
} else {
  // --dir keeps the model and batch files (e.g. to profile train_torch.py on its own).
  const dir = args.dir == null ? await mkdtemp(join(tmpdir(), "h2ogpt-bench-train-")) : resolve(args.dir);
  await mkdir(dir, {recursive: true});
  try {
    await writeInputs(dir);
    console.log(
      `model: llama ${fmt(parameterCount(config) / 1e6, 2)}M parameters (vocab ${config.vocabSize}, width ${config.embeddingLength}, ` +
        `${config.blockCount} layers, SwiGLU ${config.feedForwardLength}, tied); batch ${BATCH} x ${LENGTH} tokens, first ${MASKED} masked; ` +
        `${steps} steps (median of ${steps - 1} after 1 warm-up); ${threads} threads each`
    );
    console.log(`backends: h2ogpt-ts on ${trainBackend ?? "finetune's default"} (${threads} threads); PyTorch on its CPU BLAS`);
    for (const mode of modes) {
      const mine = await ours(dir, mode);
      const peer = await torch(dir, mode);
      console.log(`\n${mode}:`);
      console.log(`  h2ogpt-ts: ${fmt(mine.tokensPerSecond)} tokens/s (${mine.secondsPerStep.toFixed(2)} s/step), peak RSS ${fmt(mine.peakRssMb)} MB, on ${mine.backend}`);
      if (typeof peer === "string") {
        console.log(`  PyTorch:   ${peer}`);
        continue;
      }
      const goal = mode === "full" ? 0.5 : 0.7;
      const ratio = mine.tokensPerSecond / peer.tokensPerSecond;
      console.log(`  PyTorch:   ${fmt(peer.tokensPerSecond)} tokens/s (${peer.secondsPerStep.toFixed(2)} s/step), peak RSS ${fmt(peer.peakRssMb)} MB`);
      console.log(`  ratio:     ${ratio.toFixed(2)}x PyTorch (goal >= ${goal})`);
      if (mode === "full") {
        const worst = Math.max(...mine.losses.map((loss, i) => Math.abs(loss - peer.losses[i]!)));
        console.log(`  losses:    ours ${mine.losses.map((l) => l.toFixed(4)).join(" ")}`);
        console.log(`             torch ${peer.losses.map((l) => l.toFixed(4)).join(" ")}  (max difference ${worst.toExponential(1)})`);
      }
    }
  } finally {
    if (args.dir == null) await rm(dir, {recursive: true, force: true});
  }
}
