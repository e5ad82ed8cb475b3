import {createReadStream} from "node:fs";
import {stat} from "node:fs/promises";
import {join} from "node:path";
import {createInterface} from "node:readline";
import {asyncBufferFromFile, parquetReadObjects} from "hyparquet";
import {InputFileError} from "../errors/index.js";
import type {TrainRow} from "./micro-batch.js";

/** Rows split for training and evaluation. */
export interface TrainingData {
  readonly train: TrainRow[];
  readonly valid: TrainRow[];
}

const SPLIT_FILES = {
  train: ["train.jsonl", "train.parquet"],
  valid: ["valid.jsonl", "valid.parquet"]
} as const;

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) != null;
}

function toRow(value: unknown, where: string): TrainRow {
  const record = value as {input_ids?: unknown; labels?: unknown; inputIds?: unknown};
  const ids = record?.input_ids ?? record?.inputIds;
  const labels = record?.labels ?? ids;
  const isIntArray = (a: unknown): a is ArrayLike<number> =>
    (Array.isArray(a) || ArrayBuffer.isView(a)) && Array.prototype.every.call(a, (v: unknown) => Number.isInteger(Number(v)));
  if (!isIntArray(ids)) throw new InputFileError(where, "input_ids is missing or not a list of integers");
  if (!isIntArray(labels) || labels.length !== ids.length)
    throw new InputFileError(where, "labels must be a list of integers as long as input_ids");
  return {inputIds: Int32Array.from(ids, Number), labels: Int32Array.from(labels, Number)};
}

async function readJsonl(path: string): Promise<TrainRow[]> {
  const rows: TrainRow[] = [];
  const lines = createInterface({input: createReadStream(path), crlfDelay: Infinity});
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputFileError(`${path}:${line}`, `not valid JSON (${(error as Error).message})`);
    }
    rows.push(toRow(value, `${path}:${line}`));
  }
  return rows;
}

async function readParquetRows(path: string): Promise<TrainRow[]> {
  const objects = await parquetReadObjects({file: await asyncBufferFromFile(path), columns: ["input_ids", "labels"]});
  return objects.map((value, i) => toRow(value, `${path}: row ${i + 1}`));
}

async function readRowsFile(path: string): Promise<TrainRow[]> {
  return path.endsWith(".parquet") ? readParquetRows(path) : readJsonl(path);
}

/**
 * True when `path` is the output of `h2ogpt prepare` (a folder with train.jsonl or train.parquet) or a single
 * tokenized .jsonl / .parquet file, rather than raw records to prepare.
 */
export async function isPreparedData(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    for (const name of SPLIT_FILES.train) if (await exists(join(path, name))) return true;
    return false;
  }
  if (info == null || !/\.(jsonl|parquet)$/.test(path)) return false;
  if (path.endsWith(".parquet")) return true;
  const first = await firstLine(path);
  return first != null && /"input_ids"\s*:/.test(first);
}

async function firstLine(path: string): Promise<string | undefined> {
  const lines = createInterface({input: createReadStream(path, {end: 1 << 20}), crlfDelay: Infinity});
  for await (const text of lines) if (text.trim() !== "") {
    lines.close();
    return text;
  }
  return undefined;
}

/** Reads tokenized rows: a prepare output folder (train + valid) or one tokenized file (train only). */
export async function readPreparedData(path: string): Promise<TrainingData> {
  const info = await stat(path).catch(() => undefined);
  if (info == null) throw new InputFileError(path, "not found");
  if (!info.isDirectory()) return {train: await readRowsFile(path), valid: []};
  const pick = async (names: readonly string[]) => {
    for (const name of names) if (await exists(join(path, name))) return join(path, name);
    return undefined;
  };
  const trainPath = await pick(SPLIT_FILES.train);
  if (trainPath == null) throw new InputFileError(path, "has no train.jsonl or train.parquet (run h2ogpt prepare first)");
  const validPath = await pick(SPLIT_FILES.valid);
  return {train: await readRowsFile(trainPath), valid: validPath == null ? [] : await readRowsFile(validPath)};
}
