import {execFile} from "node:child_process";
import {mkdir, rm, stat} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {promisify} from "node:util";
import {build} from "esbuild";
// Type only: the child module runs a measurement when loaded.
import type {ChildResult} from "./prepare-child.js";
import {writeSyntheticJsonl} from "./prepare-synthetic.js";

/**
 * bench:prepare — h2ogpt prepare end to end on synthetic human_bot records with the GPT-NeoX tokenizer (cutoff 512,
 * train_on_inputs false) at 1/4 and all of --records (default 200,000, about 95 MB), beside HF's Rust `tokenizers`
 * encoding the same formatted strings on one thread in the same run. Prints records/s, MB/s, peak RSS and the
 * ratio (goal: >= 1.0x, peak RSS < 1 GB and flat as the input grows).
 *
 * The data stage is bundled with esbuild into plain JavaScript first, so workers start as they do from the
 * published package (not through a TypeScript loader). Data and build live under bench/results (not committed).
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(root, "bench", "results", "prepare");
const tokenizer = resolve(root, "..", "shared", "fixtures", "tokenizers", "gpt-neox-20b", "tokenizer.json");
const records = Number(process.argv.find((arg) => arg.startsWith("--records="))?.slice(10) ?? 200_000);

async function dataFile(count: number): Promise<{path: string; mb: number}> {
  const path = join(work, `records-${count}.jsonl`);
  const existing = await stat(path).catch(() => undefined);
  const bytes = existing?.size ?? (await writeSyntheticJsonl(path, count));
  return {path, mb: bytes / 1e6};
}

async function child(mode: "ours" | "rust", dataPath: string): Promise<ChildResult> {
  const output = join(work, `out-${mode}`);
  await rm(output, {recursive: true, force: true});
  const {stdout} = await promisify(execFile)(process.execPath, [join(work, "build", "prepare-child.js"), mode, dataPath, tokenizer, output], {
    maxBuffer: 1 << 20
  });
  await rm(output, {recursive: true, force: true});
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildResult;
}

function row(label: string, result: ChildResult, mb: number): string {
  const perSecond = Math.round(result.records / result.seconds).toLocaleString("en-US");
  return `${label.padEnd(40)} ${result.seconds.toFixed(1).padStart(6)} s ${result.cpuSeconds.toFixed(1).padStart(6)} cpu-s ${perSecond.padStart(8)} rec/s ${(mb / result.seconds).toFixed(2).padStart(6)} MB/s ${String(result.peakRssMb).padStart(5)} MB`;
}

await mkdir(work, {recursive: true});
try {
  await stat(tokenizer);
} catch {
  console.error(`bench:prepare needs ${tokenizer} (../shared beside the project)`);
  process.exit(2);
}
await build({
  entryPoints: {
    "index": join(root, "src/data/index.ts"),
    "tokenize-worker": join(root, "src/data/tokenize-worker.ts"),
    "prepare-child": join(root, "bench/prepare-child.ts")
  },
  outdir: join(work, "build"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning"
});

const small = await dataFile(Math.round(records / 4));
const large = await dataFile(records);
console.log(`prepare: synthetic human_bot records, GPT-NeoX tokenizer, cutoff 512, train_on_inputs false; ${records.toLocaleString("en-US")} records = ${large.mb.toFixed(1)} MB`);
const oursSmall = await child("ours", small.path);
console.log(row(`h2ogpt prepare, ${oursSmall.records.toLocaleString("en-US")} records`, oursSmall, small.mb));
const oursLarge = await child("ours", large.path);
console.log(row(`h2ogpt prepare, ${oursLarge.records.toLocaleString("en-US")} records`, oursLarge, large.mb));
const rust = await child("rust", large.path);
console.log(row(`Rust tokenizers encode only, 1 thread`, rust, large.mb));
const ratio = oursLarge.records / oursLarge.seconds / (rust.records / rust.seconds);
console.log(`ratio (h2ogpt prepare end to end / Rust encode only, records/s): ${ratio.toFixed(2)}x (goal >= 1.0x)`);
console.log(`CPU time per record: ours ${((1e6 * oursLarge.cpuSeconds) / oursLarge.records).toFixed(0)} us (both cores), Rust ${((1e6 * rust.cpuSeconds) / rust.records).toFixed(0)} us (one thread); wall times are noisy on a busy machine`);
console.log(`peak RSS ${oursSmall.peakRssMb} MB at ${oursSmall.records.toLocaleString("en-US")} records, ${oursLarge.peakRssMb} MB at ${oursLarge.records.toLocaleString("en-US")} (goal < 1024 MB, flat)`);
console.log(`tokens: ours ${oursLarge.tokens.toLocaleString("en-US")}, Rust ${rust.tokens.toLocaleString("en-US")} (capped at 512 per record)`);
