import {existsSync} from "node:fs";
import {readdir, readFile} from "node:fs/promises";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {fixture, jsonl, tempDir} from "../../test/data/helpers.js";
import {main} from "./main.js";

const dir = await tempDir();
const records = [
  {input: "Who are you?", output: "My name is h2oGPT.", prompt_type: "human_bot"},
  {input: "What is 2+2?", output: "4"}
];

async function prepare(args: string[]): Promise<{code: number; out: string; err: string}> {
  const io = memoryIo({cwd: dir});
  const code = await main(["prepare", `--tokenizer=${neoxTokenizerPath}`, "--workers=0", ...args], io);
  return {code, out: io.out(), err: io.err()};
}

describe.skipIf(neoxTokenizerPath == null)("h2ogpt prepare", () => {
  // Several tests read ok.jsonl; each must also pass when run alone (vitest -t).
  beforeAll(async () => {
    await fixture(dir, "ok.jsonl", jsonl([...records, {input: "x", output: 3}]));
  });

  it("writes the files and prints the readable report on stderr", async () => {
    const {code, out, err} = await prepare(["--data_path", "ok.jsonl", "--output_dir=out", "--train_on_inputs=False", "--cutoff_len", "256"]);
    expect(code).toBe(0);
    expect(out).toBe("");
    expect(err).toContain("read 3 records from 1 file");
    expect(err).toContain("wrote 2 rows: train 2 -> out/train.jsonl, valid 0 -> out/valid.jsonl");
    expect(err).toContain("  wrong_field_type (a field of the wrong type): 1\n    ok.jsonl:3  field 'output' is a number, expected a string");
    expect(err).toMatch(/tokens \d+: trained \d+ \(\d+\.\d%\), masked \d+/);
    expect(err).toMatch(/token lengths before truncation: p50 \d+, p90 \d+, p99 \d+, max \d+\n +\d+- *\d+ \| #+/);
    expect(err).toContain("report: out/report.json");
    expect(await readdir(join(dir, "out"))).toEqual(["report.json", "train.jsonl", "valid.jsonl"]);
    const report = JSON.parse(await readFile(join(dir, "out", "report.json"), "utf8"));
    expect(report).toMatchObject({read: 3, written: 2, truncated: 0, dropped: {wrong_field_type: 1}, settings: {cutoffLen: 256, trainOnInputs: false}});
  });

  it("reads h2oGPT's flags: a Python-dict data_col_dict, drop_truncations, parquet output", async () => {
    await fixture(dir, "cols.csv", "question,answer\nWho are you?,h2oGPT\nA long question with many many many many many many many many many many words in it?,ok\n");
    const {code, err} = await prepare([
      "--data_path=cols.csv",
      "--data_col_dict={'question': 'input', 'answer': 'output'}",
      "--prompt_type=human_bot",
      "--cutoff_len=24",
      "--drop_truncations=True",
      "--format=parquet",
      "--output_dir=pq"
    ]);
    expect(code).toBe(0);
    expect(err).toContain("too_long (more tokens than --cutoff_len (with --excess_length_strategy=drop)): 1\n    cols.csv:3  ");
    expect(await readdir(join(dir, "pq"))).toEqual(["report.json", "train.parquet", "valid.parquet"]);
  });

  it("--strict: exit 1 and one line naming file:line and the reason; nothing written", async () => {
    await fixture(dir, "strict.jsonl", jsonl(records) + "{oops\n");
    const {code, err} = await prepare(["--data_path=strict.jsonl", "--output_dir=strict-out", "--strict"]);
    expect(code).toBe(1);
    expect(err).toMatch(/^h2ogpt prepare: strict\.jsonl:3: malformed_json: [^\n]+\n$/);
    // The error comes before the first row, so not even the folder is made.
    expect(existsSync(join(dir, "strict-out"))).toBe(false);
  });

  it("a missing file or a folder without data: exit 2 and one line", async () => {
    const missing = await prepare(["--data_path=missing.jsonl", "--output_dir=x"]);
    expect([missing.code, missing.err]).toEqual([2, "h2ogpt prepare: missing.jsonl: no such file or folder\n"]);
    await fixture(dir, "notes.txt", "");
    const empty = await prepare([`--data_path=${await tempDir()}`, "--output_dir=x"]);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/^h2ogpt prepare: .*: no data files in this folder \(expected [^\n]+\)\n$/);
  });

  it("bad flag values: exit 2 and one line", async () => {
    const cases: [string[], string][] = [
      [["--excess_length_strategy=maybe"], "--excess_length_strategy: expected truncate, drop, raise, got 'maybe'"],
      [["--drop_truncations=True", "--excess_length_strategy=truncate"], "--drop_truncations=True means --excess_length_strategy=drop, not truncate"],
      [["--val_set_size=2.5"], "--val_set_size: expected a count (0, 1, 2, ...) or a fraction below 1, got 2.5"],
      [["--format=csv"], "--format: expected jsonl or parquet, got 'csv'"],
      [["--data_col_dict={'A': 'inptu'}"], "--data_col_dict: 'A' maps to \"inptu\", which is not a field prepare reads"],
      [["--prompt_type=nope"], 'unknown prompt_type "nope" (see h2ogpt prompt-types)']
    ];
    for (const [args, message] of cases) {
      const {code, err} = await prepare(["--data_path=ok.jsonl", "--output_dir=bad", ...args]);
      expect(code).toBe(2);
      expect(err.split("\n").length).toBe(2);
      expect(err).toContain(message);
    }
  });

  it("exit 1 when every record was dropped", async () => {
    await fixture(dir, "allbad.jsonl", "nope\n");
    const {code, err} = await prepare(["--data_path=allbad.jsonl", "--output_dir=allbad"]);
    expect(code).toBe(1);
    expect(err.trimEnd().split("\n").at(-1)).toBe("h2ogpt prepare: no rows written: all 1 records were dropped (see the report above)");
  });
});
