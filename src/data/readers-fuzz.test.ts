import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {parquetWriteBuffer} from "hyparquet-writer";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {fuzzStrings} from "../../test/tokenizer/fuzz-strings.js";
import {H2oGptError} from "../errors/index.js";
import {mulberry32} from "../util/index.js";
import {DROP_REASONS, prepare, readDataRecords} from "./index.js";

/**
 * Generated data files through prepare's readers: JSON Lines, JSON arrays, CSV and TSV (plain and .gz) and
 * Parquet, well-formed, spoiled (truncated, unbalanced quotes, invalid UTF-8, binary garbage, deep nesting) or
 * random bytes. Every record comes back as a record or a problem with a known reason and its file:line; the only
 * errors thrown are the project's typed ones. Seeded, so a failure names the seed and the file that reproduce it.
 */

const SEED = 17;
const FILES = 2000;
/** prepare (which also renders and tokenizes) reads the first this many of them, from their own folder. */
const PREPARED = 600;

type Random = () => number;

const FIELDS = ["instruction", "input", "output", "text", "context", "messages", "conversations", "prompt_type", "prompt_dict", "system_prompt", "role", "content", "from", "value", "question", "answer"];
const EXTENSIONS = [".jsonl", ".json", ".csv", ".tsv", ".jsonl.gz", ".csv.gz", ".json.gz", ".parquet"];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function scalar(random: Random, strings: readonly string[]): unknown {
  switch (Math.floor(random() * 10)) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return pick(random, [0, -1, 1.5, 1e308, 2 ** 53 + 1, 3]);
    case 3: return "";
    case 4: return pick(random, ["human_bot", "plain", "llama2", "nope", "3", "-1", "user", "assistant", "human", "gpt", "system"]);
    case 5: return "x".repeat(Math.floor(random() * 1000));
    default: return pick(random, strings);
  }
}

function value(random: Random, strings: readonly string[], depth: number): unknown {
  const roll = random();
  if (depth > 4 || roll < 0.4) return scalar(random, strings);
  if (roll < 0.6) return Array.from({length: Math.floor(random() * 4)}, () => value(random, strings, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(random() * 5); i++) object[random() < 0.85 ? pick(random, FIELDS) : pick(random, strings)] = value(random, strings, depth + 1);
  return object;
}

/** A record prepare could use (instruction, text or a conversation), to be spoiled by the rest of the generator. */
function record(random: Random, strings: readonly string[]): unknown {
  const roll = random();
  if (roll < 0.3) return {instruction: pick(random, strings), output: pick(random, strings)};
  if (roll < 0.4) return {text: pick(random, strings)};
  if (roll < 0.55) {
    const turns = Array.from({length: Math.floor(random() * 4)}, (_, i) => ({role: i % 2 === 0 ? "user" : "assistant", content: pick(random, strings)}));
    return {messages: random() < 0.8 ? turns : value(random, strings, 1)};
  }
  return value(random, strings, 0);
}

function csvCell(random: Random, strings: readonly string[]): string {
  const text = String(scalar(random, strings));
  const roll = random();
  if (roll < 0.5) return `"${text.replaceAll('"', '""')}"`;
  if (roll < 0.6) return `"${text}`;
  return text;
}

function spoil(random: Random, bytes: Buffer): Buffer {
  const roll = random();
  if (roll < 0.15) return bytes.subarray(0, Math.floor(random() * bytes.length));
  if (roll < 0.25) {
    const copy = Buffer.from(bytes);
    for (let i = 0; i < 1 + Math.floor(random() * 8) && copy.length > 0; i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    return copy;
  }
  if (roll < 0.3) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  return bytes;
}

async function content(random: Random, strings: readonly string[], extension: string): Promise<Buffer> {
  if (random() < 0.05) return Buffer.from(Array.from({length: Math.floor(random() * 2000)}, () => Math.floor(random() * 256)));
  const records = Array.from({length: Math.floor(random() * 6)}, () => record(random, strings));
  const base = extension.replace(".gz", "");
  let text: string;
  if (base === ".parquet") {
    const columns = ["instruction", "output"].map((name) => ({name, data: records.map(() => String(scalar(random, strings))), type: "STRING" as const}));
    return spoil(random, Buffer.from(parquetWriteBuffer({columnData: columns})));
  } else if (base === ".csv" || base === ".tsv") {
    const separator = base === ".csv" ? "," : "\t";
    const width = 1 + Math.floor(random() * 4);
    const header = Array.from({length: width}, () => (random() < 0.8 ? pick(random, FIELDS) : csvCell(random, strings)));
    const rows = records.map(() => Array.from({length: random() < 0.8 ? width : Math.floor(random() * 6)}, () => csvCell(random, strings)).join(separator));
    text = [header.join(separator), ...rows].join(random() < 0.8 ? "\n" : "\r\n");
  } else if (base === ".json" && random() < 0.7) {
    text = random() < 0.1 ? "[".repeat(5000) : JSON.stringify(random() < 0.9 ? records : value(random, strings, 0));
  } else {
    text = records.map((r) => (random() < 0.1 ? String(JSON.stringify(r)).slice(0, Math.floor(random() * 40)) : JSON.stringify(r))).join(random() < 0.8 ? "\n" : "\r\n");
  }
  const bytes = spoil(random, Buffer.from(text, "utf8"));
  if (!extension.endsWith(".gz")) return bytes;
  const zipped = gzipSync(bytes);
  return random() < 0.2 ? zipped.subarray(0, Math.floor(random() * zipped.length)) : zipped;
}

let dir: string;
const paths: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-readers-fuzz-"));
  await mkdir(join(dir, "prepared"));
  await mkdir(join(dir, "rest"));
  const random = mulberry32(SEED);
  const strings = fuzzStrings(400, SEED);
  for (let i = 0; i < FILES; i++) {
    const path = join(dir, i < PREPARED ? "prepared" : "rest", `f${String(i).padStart(4, "0")}${pick(random, EXTENSIONS)}`);
    await writeFile(path, await content(random, strings, path.slice(path.indexOf("."))));
    paths.push(path);
  }
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("prepare's readers under generated files", () => {
  it(`read ${FILES} generated files: every record a record or a known problem with its file:line, no untyped error`, async () => {
    const failures: string[] = [];
    let records = 0;
    let problems = 0;
    for (const path of paths) {
      try {
        for await (const item of readDataRecords({dataPath: path, maxRecordBytes: 64 * 1024})) {
          const line = item.source.line;
          if (item.source.file !== path || !Number.isInteger(line) || line < 1) failures.push(`${path}: bad source ${JSON.stringify(item.source)}`);
          if ("problem" in item) {
            problems++;
            if (!(item.problem.reason in DROP_REASONS)) failures.push(`${path}:${line}: unknown reason ${item.problem.reason}`);
          } else records++;
        }
      } catch (error) {
        if (!(error instanceof H2oGptError)) failures.push(`${path}: ${(error as Error)?.stack ?? String(error)}`);
      }
      if (failures.length >= 5) break;
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    // The generator reaches both sides: usable records and every kind of problem.
    expect(records).toBeGreaterThan(1000);
    expect(problems).toBeGreaterThan(1000);
  });

  it.skipIf(neoxTokenizerPath == null)(`prepare renders and tokenizes a folder of ${PREPARED} of them without an untyped error`, async () => {
    const rows = prepare({dataPath: join(dir, "prepared"), tokenizer: neoxTokenizerPath!, promptType: "human_bot", cutoffLen: 64, workers: 0, valSetSize: 0});
    let written = 0;
    for await (const _ of rows) written++;
    const report = await rows.report();
    expect(report.written).toBe(written);
    expect(report.read).toBe(report.written + Object.values(report.dropped).reduce((sum, n) => sum + (n ?? 0), 0));
  });
});
