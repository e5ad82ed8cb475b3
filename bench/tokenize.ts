/**
 * bench/tokenize: our tokenizer's encode against HF's Rust `tokenizers` (the npm binding, one thread) on the
 * same text in the same run, with two tokenizer.json files: GPT-NeoX-20B (byte-level BPE, the fixture) and
 * Llama 2 (SentencePiece BPE, converted from the GGUF fixture's vocabulary as transformers converts it).
 *
 *   npm run bench:tokenize [-- --mb=6 --runs=3 --tokenizer=PATH]
 *
 * Measures, each as the median of `runs` alternating runs: one encode() of the whole corpus, and the corpus as
 * paragraph-sized records (the shape of data preparation; Rust gets encodeBatch, its cheapest way to take many
 * records). Our encodeWithOffsets (what data preparation calls) is compared with Rust's encode too, which always
 * computes offsets. Checks the ids are identical and prints MB/s, tokens/s and the ratio (ours / Rust) by wall
 * clock, and the ratio by CPU time of the process, which other work on a shared machine disturbs less. Load
 * time of both is printed once.
 */
import {createHash} from "node:crypto";
import {mkdirSync, writeFileSync} from "node:fs";
import {dirname, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {Tokenizer as RustTokenizer} from "tokenizers";
import {loadTokenizer} from "../src/tokenizer/index.js";
import {llamaTokenizerJson} from "../test/tokenizer/llama-tokenizer-json.js";
import {collectCorpus} from "./tokenize-corpus.js";

// Rust's thread pool starts at its first parallel call and reads this then; the npm script sets it too.
process.env.RAYON_NUM_THREADS = "1";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key!, value ?? "true"];
  })
);
const minBytes = Number(args.mb ?? 6) * 1_000_000;
const runs = Number(args.runs ?? 3);
const BATCH = 1000;

/** The tokenizer.json files to compare: --tokenizer, or NeoX and a Llama 2 file converted from the GGUF fixture. */
async function tokenizerFiles(): Promise<string[]> {
  if (args.tokenizer !== undefined) return [resolve(args.tokenizer)];
  const fixtures = resolve(root, "..", "shared/fixtures");
  const llama = resolve(root, "bench/results/llama-2-tokenizer.json");
  mkdirSync(dirname(llama), {recursive: true});
  writeFileSync(llama, JSON.stringify(await llamaTokenizerJson(resolve(fixtures, "models/llama-2-tiny-random.gguf"))));
  return [resolve(fixtures, "tokenizers/gpt-neox-20b/tokenizer.json"), llama];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function digest(ids: ArrayLike<number>): string {
  return createHash("sha256").update(new Uint8Array(Int32Array.from(ids).buffer)).digest("hex").slice(0, 16);
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** Wall-clock and process CPU seconds (all threads: Rust encodes on a libuv worker). */
async function time(work: () => unknown): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return {wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6};
}

async function seconds(work: () => unknown): Promise<number> {
  return (await time(work)).wall;
}

const format = (value: number, digits = 2) => value.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});

function line(label: string, bytes: number, tokens: number, oursTimes: Timing[], rustTimes: Timing[]): void {
  const mb = bytes / 1e6;
  const ours = median(oursTimes.map((t) => t.wall));
  const rust = median(rustTimes.map((t) => t.wall));
  const cpuRatio = median(rustTimes.map((t) => t.cpu)) / median(oursTimes.map((t) => t.cpu));
  console.log(
    `${label.padEnd(30)} ours ${format(mb / ours)} MB/s ${format(tokens / ours / 1000, 0)}k tok/s | ` +
      `Rust ${format(mb / rust)} MB/s ${format(tokens / rust / 1000, 0)}k tok/s | ratio ${format(rust / ours)}x (CPU time ${format(cpuRatio)}x)`
  );
}

const corpus = collectCorpus(minBytes);
console.log(
  `corpus: ${corpus.bytes.toLocaleString("en-US")} bytes of UTF-8 from ${corpus.files} files (node_modules, /usr/share/doc), ` +
    `${corpus.paragraphs.length.toLocaleString("en-US")} paragraphs, sha256 ${corpus.sha256.slice(0, 16)}`
);

async function benchmark(tokenizerPath: string): Promise<void> {
  let ours = await loadTokenizer(tokenizerPath);
  const oursLoad = await seconds(async () => (ours = await loadTokenizer(tokenizerPath)));
  let rust = RustTokenizer.fromFile(tokenizerPath);
  const rustLoad = await seconds(() => (rust = RustTokenizer.fromFile(tokenizerPath)));
  console.log(`tokenizer: ${tokenizerPath} (our backend: ${ours.backend})`);
  console.log(`load (second load in this process): ours ${format(oursLoad, 3)} s, Rust ${format(rustLoad, 3)} s`);

  const oursIds = ours.encode(corpus.text);
  const rustIds = (await rust.encode(corpus.text)).getIds();
  const identical = oursIds.length === rustIds.length && oursIds.every((id, i) => id === rustIds[i]);
  console.log(`whole text: ${oursIds.length.toLocaleString("en-US")} tokens; ids identical: ${identical} (ours ${digest(oursIds)}, Rust ${digest(rustIds)})`);
  if (!identical) process.exitCode = 1;

  const whole = {ours: [] as Timing[], offsets: [] as Timing[], rust: [] as Timing[]};
  const records = {ours: [] as Timing[], offsets: [] as Timing[], rust: [] as Timing[]};
  let recordTokens = 0;
  let recordsIdentical = true;
  for (let run = 0; run < runs; run++) {
    whole.ours.push(await time(() => ours.encode(corpus.text)));
    whole.offsets.push(await time(() => ours.encodeWithOffsets(corpus.text)));
    whole.rust.push(await time(() => rust.encode(corpus.text)));
    let oursCount = 0;
    records.ours.push(await time(() => corpus.paragraphs.forEach((paragraph) => (oursCount += ours.encode(paragraph).length))));
    records.offsets.push(await time(() => corpus.paragraphs.forEach((paragraph) => ours.encodeWithOffsets(paragraph))));
    let rustCount = 0;
    records.rust.push(
      await time(async () => {
        for (let i = 0; i < corpus.paragraphs.length; i += BATCH) {
          for (const encoding of await rust.encodeBatch(corpus.paragraphs.slice(i, i + BATCH))) rustCount += encoding.getLength();
        }
      })
    );
    recordTokens = oursCount;
    recordsIdentical &&= oursCount === rustCount;
  }
  console.log(`median of ${runs} runs, one thread each (RAYON_NUM_THREADS=1); a shared machine makes single figures noisy:`);
  line("encode, whole text", corpus.bytes, oursIds.length, whole.ours, whole.rust);
  line("encodeWithOffsets, whole text", corpus.bytes, oursIds.length, whole.offsets, whole.rust);
  line(`encode, ${corpus.paragraphs.length} records`, corpus.bytes, recordTokens, records.ours, records.rust);
  line("encodeWithOffsets, records", corpus.bytes, recordTokens, records.offsets, records.rust);
  console.log(`records: token counts identical: ${recordsIdentical}`);
  if (!recordsIdentical) process.exitCode = 1;
}

for (const path of await tokenizerFiles()) {
  console.log("");
  await benchmark(path);
}
