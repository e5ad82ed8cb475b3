import {existsSync} from "node:fs";
import {mkdir, readdir, readFile} from "node:fs/promises";
import {join} from "node:path";
import {asyncBufferFromFile, parquetReadObjects} from "hyparquet";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {fixture, jsonl, tempDir} from "../../test/data/helpers.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {prepareToDirectory, PrepareInterruptedError} from "./prepare-to-directory.js";
import {rowToJson} from "./row-writers.js";

const dir = await tempDir();
let tokenizer: Tokenizer;
beforeAll(async () => {
  if (neoxTokenizerPath != null) tokenizer = await loadTokenizer(neoxTokenizerPath);
});
afterAll(() => tokenizer?.dispose());

const data = Array.from({length: 40}, (_, i) => ({instruction: `question ${i}?`, output: `answer ${i}.`}));

function readJsonl(text: string): Record<string, unknown>[] {
  return text.trim() === "" ? [] : text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("rowToJson", () => {
  it("writes h2oGPT's columns with labels exactly as given", () => {
    const inputIds = new Int32Array([5, 6, 7, 8]);
    for (const labels of [[-100, -100, 7, 8], [5, 6, 7, 8], [-100, -100, -100, -100], [-100, 1, 7, 8], [-100, -100, -100, 9]]) {
      const row = {text: 'say "x"\n', inputIds, labels: new Int32Array(labels), attentionMask: new Uint8Array(4).fill(1), promptType: "plain", source: {file: "a.jsonl", line: 3}, split: "train", truncated: false} as const;
      expect(JSON.parse(rowToJson(row))).toEqual({
        text: 'say "x"\n',
        input_ids: [5, 6, 7, 8],
        labels,
        attention_mask: [1, 1, 1, 1],
        prompt_type: "plain",
        source: {file: "a.jsonl", line: 3}
      });
    }
  });
});

describe.skipIf(neoxTokenizerPath == null)("prepareToDirectory", () => {
  it("writes train.jsonl, valid.jsonl and report.json", async () => {
    const input = await fixture(dir, "data.jsonl", jsonl([...data, {input: 1}]));
    const out = join(dir, "out-jsonl");
    const result = await prepareToDirectory({dataPath: input, tokenizer, workers: 0, outputDir: out, valSetSize: 5, promptType: "human_bot", trainOnInputs: false});
    expect(result).toMatchObject({train: join(out, "train.jsonl"), valid: join(out, "valid.jsonl"), reportPath: join(out, "report.json")});
    const train = readJsonl(await readFile(result.train, "utf8"));
    const valid = readJsonl(await readFile(result.valid, "utf8"));
    expect([train.length, valid.length]).toEqual([35, 5]);
    expect(Object.keys(train[0]!)).toEqual(["text", "input_ids", "labels", "attention_mask", "prompt_type", "source"]);
    const report = JSON.parse(await readFile(result.reportPath, "utf8"));
    expect(report).toMatchObject({read: 41, written: 40, train: 35, valid: 5, dropped: {wrong_field_type: 1}, examples: {wrong_field_type: [`${input}:41`]}});
    expect(report.settings).toMatchObject({promptType: "human_bot", cutoffLen: 512, trainOnInputs: false, valSetSize: 5, seed: 42, tokenizer: neoxTokenizerPath});
    expect(Object.keys(report.lengths)).toEqual(["p50", "p90", "p99", "max"]);
    expect(await readdir(out)).toEqual(["report.json", "train.jsonl", "valid.jsonl"]);
  });

  it("writes the same rows as Parquet", async () => {
    const input = await fixture(dir, "pq.jsonl", jsonl(data));
    const asJsonl = await prepareToDirectory({dataPath: input, tokenizer, workers: 0, outputDir: join(dir, "a"), valSetSize: 4});
    const asParquet = await prepareToDirectory({dataPath: input, tokenizer, workers: 0, outputDir: join(dir, "b"), valSetSize: 4, format: "parquet"});
    for (const split of ["train", "valid"] as const) {
      const expected = readJsonl(await readFile(asJsonl[split], "utf8"));
      const rows = await parquetReadObjects({file: await asyncBufferFromFile(asParquet[split])});
      expect(rows.map((row) => ({...row, source: {file: row.source.file, line: Number(row.source.line)}}))).toEqual(expected);
    }
  });

  it("leaves nothing that looks finished when interrupted or stopped by an error", async () => {
    const input = await fixture(dir, "big.jsonl", jsonl(Array.from({length: 3000}, (_, i) => ({input: `q${i}`, output: `a${i}`}))));
    const out = join(dir, "interrupted");
    const controller = new AbortController();
    const error = await prepareToDirectory({
      dataPath: input,
      tokenizer,
      workers: 0,
      outputDir: out,
      signal: controller.signal,
      onProgress: () => controller.abort()
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrepareInterruptedError);
    expect((error as PrepareInterruptedError).exitCode).toBe(130);
    expect(await readdir(out)).toEqual([]);

    const bad = await fixture(dir, "late-error.jsonl", jsonl([...data, {input: "x", output: 5}]));
    await expect(prepareToDirectory({dataPath: bad, tokenizer, workers: 0, outputDir: join(dir, "strict"), strict: true})).rejects.toThrow("wrong_field_type");
    // The error comes before the first row is written, so the folder is not even made.
    expect(existsSync(join(dir, "strict"))).toBe(false);
  });

  it("creates --output_dir only when it writes: not when the run fails first", async () => {
    const out = join(dir, "never-made", "out");
    await expect(prepareToDirectory({dataPath: join(dir, "missing.jsonl"), tokenizer, workers: 0, outputDir: out})).rejects.toThrow("missing.jsonl");
    expect(existsSync(join(dir, "never-made"))).toBe(false);
    const empty = await fixture(dir, "empty.jsonl", "");
    const result = await prepareToDirectory({dataPath: empty, tokenizer, workers: 0, outputDir: out});
    expect(result.report.read).toBe(0);
    expect(await readdir(out)).toEqual(["report.json", "train.jsonl", "valid.jsonl"]);
    // A folder that cannot be made is still found before any work.
    const file = await fixture(dir, "a-file", "");
    await expect(prepareToDirectory({dataPath: empty, tokenizer, workers: 0, outputDir: join(file, "out")})).rejects.toThrow("cannot create the output folder (ENOTDIR)");
  });

  it("refuses an output folder inside an input folder", async () => {
    const folder = join(dir, "inputs");
    await mkdir(folder);
    await fixture(folder, "a.jsonl", jsonl(data));
    await expect(prepareToDirectory({dataPath: folder, tokenizer, workers: 0, outputDir: join(folder, "out")})).rejects.toThrow(
      "is inside the --data_path folder"
    );
  });
});
