import {readFile} from "node:fs/promises";
import {prepareToDirectory} from "../src/data/index.js";
import {renderTrainingString} from "../src/prompts/index.js";

/**
 * One measured run for bench/prepare.ts, in its own process so peak RSS belongs to that run alone. Prints one JSON
 * line: `ours` runs `h2ogpt prepare` end to end; `rust` encodes the same formatted strings with HF's Rust
 * `tokenizers` on one thread (formatting not timed).
 */

export interface ChildResult {
  readonly seconds: number;
  /** CPU time of the whole process (all threads), user + system: steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
  readonly records: number;
  readonly tokens: number;
  readonly peakRssMb: number;
}

const [mode, dataPath, tokenizer, outputDir] = process.argv.slice(2) as [string, string, string, string];
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

async function ours(): Promise<ChildResult> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const {report} = await prepareToDirectory({dataPath, tokenizer, outputDir, promptType: "human_bot", cutoffLen: 512, trainOnInputs: false});
  const seconds = (performance.now() - start) / 1000;
  return {seconds, cpuSeconds: cpuSecondsSince(cpu), records: report.written, tokens: report.tokens, peakRssMb: peakRssMb()};
}

async function rust(): Promise<ChildResult> {
  process.env.RAYON_NUM_THREADS = "1";
  const {Tokenizer} = (await import("tokenizers")).default;
  const texts = (await readFile(dataPath, "utf8"))
    .trimEnd()
    .split("\n")
    .map((line) => renderTrainingString({promptType: "human_bot", record: JSON.parse(line)}).text);
  const encoder = Tokenizer.fromFile(tokenizer);
  const start = performance.now();
  const cpu = process.cpuUsage();
  let tokens = 0;
  // encodeBatch with one Rayon thread is the binding's fastest single-thread path (faster than encode per string).
  for (let i = 0; i < texts.length; i += 1000)
    for (const encoding of await encoder.encodeBatch(texts.slice(i, i + 1000))) tokens += Math.min(512, encoding.getIds().length);
  const seconds = (performance.now() - start) / 1000;
  return {seconds, cpuSeconds: cpuSecondsSince(cpu), records: texts.length, tokens, peakRssMb: peakRssMb()};
}

const result = mode === "rust" ? await rust() : await ours();
process.stdout.write(JSON.stringify(result) + "\n");
