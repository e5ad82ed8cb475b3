import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {isPreparedData, readPreparedData} from "./prepared-rows.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-rows-"));
  await mkdir(join(dir, "prepared"));
  await writeFile(join(dir, "prepared", "train.jsonl"), '{"input_ids": [1, 2, 3], "labels": [-100, 2, 3]}\n\n{"input_ids": [4, 5], "labels": [4, 5]}\n');
  await writeFile(join(dir, "prepared", "valid.jsonl"), '{"input_ids": [6, 7], "labels": [6, 7]}\n');
  await writeFile(join(dir, "records.jsonl"), '{"input": "Who are you?", "output": "h2oGPT"}\n');
  await writeFile(join(dir, "bad.jsonl"), '{"input_ids": [1, 2], "labels": [1]}\n');
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("prepared rows", () => {
  it("tells a prepare output or tokenized file from raw records", async () => {
    expect(await isPreparedData(join(dir, "prepared"))).toBe(true);
    expect(await isPreparedData(join(dir, "prepared", "train.jsonl"))).toBe(true);
    expect(await isPreparedData(join(dir, "records.jsonl"))).toBe(false);
    expect(await isPreparedData(join(dir, "missing"))).toBe(false);
  });

  it("reads train and valid rows, and names the line of a bad row", async () => {
    const data = await readPreparedData(join(dir, "prepared"));
    expect(data.train.map((r) => Array.from(r.labels))).toEqual([[-100, 2, 3], [4, 5]]);
    expect(data.valid).toHaveLength(1);
    await expect(readPreparedData(join(dir, "bad.jsonl"))).rejects.toThrow(`${join(dir, "bad.jsonl")}:1: labels must be a list of integers as long as input_ids`);
    await expect(readPreparedData(join(dir, "records.jsonl"))).rejects.toThrow("input_ids is missing");
  });
});
