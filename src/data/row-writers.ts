import {createWriteStream, type WriteStream} from "node:fs";
import {rename, rm} from "node:fs/promises";
import {once} from "node:events";
import {ParquetWriter, fileWriter} from "hyparquet-writer";
import type {SchemaElement} from "hyparquet";
import {temporaryPathFor} from "../util/index.js";
import type {PreparedRow} from "./prepare.js";

export type OutputFormat = "jsonl" | "parquet";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["jsonl", "parquet"];

/**
 * Writes rows to a temporary name beside `path` and renames it into place only in `finish`, so an interrupted
 * run never leaves a file that looks finished; `abort` removes the temporary file.
 */
export interface RowWriter {
  readonly path: string;
  write(row: PreparedRow): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

export function createRowWriter(format: OutputFormat, path: string): RowWriter {
  return format === "parquet" ? parquetRowWriter(path) : jsonlRowWriter(path);
}

/**
 * The labels as JSON numbers. Labels are normally the ids with a prefix of -100, so the ids' text is reused past
 * that prefix (formatting numbers is most of the cost of a row); any other labels are formatted in full.
 */
function labelsText(row: PreparedRow, idsText: string): string {
  const {labels, inputIds} = row;
  let masked = 0;
  while (masked < labels.length && labels[masked] === -100) masked++;
  if (labels.length !== inputIds.length || !labels.subarray(masked).every((label, i) => label === inputIds[masked + i]))
    return labels.join(",");
  if (masked === 0) return idsText;
  let cut = -1;
  for (let i = 0; i < masked; i++) cut = idsText.indexOf(",", cut + 1);
  return "-100,".repeat(masked - 1) + "-100" + (cut === -1 ? "" : idsText.slice(cut));
}

/** The JSON Lines row: the columns h2oGPT's tokenized datasets have, plus prompt_type and source. */
export function rowToJson(row: PreparedRow): string {
  const n = row.inputIds.length;
  const idsText = row.inputIds.join(",");
  return (
    `{"text":${JSON.stringify(row.text)},"input_ids":[${idsText}],"labels":[${labelsText(row, idsText)}],` +
    `"attention_mask":[${n === 0 ? "" : "1,".repeat(n - 1) + "1"}],"prompt_type":${JSON.stringify(row.promptType)},` +
    `"source":{"file":${JSON.stringify(row.source.file)},"line":${row.source.line}}}`
  );
}

/** Lines are gathered into chunks of about this many characters per write, to keep stream overhead low. */
const JSONL_CHUNK = 1 << 20;

function jsonlRowWriter(path: string): RowWriter {
  const temporary = temporaryPathFor(path);
  let stream: WriteStream | undefined;
  let chunk = "";

  const flush = async (): Promise<void> => {
    stream ??= createWriteStream(temporary);
    const text = chunk;
    chunk = "";
    if (!stream.write(text)) await once(stream, "drain");
  };

  return {
    path,
    async write(row) {
      chunk += rowToJson(row) + "\n";
      if (chunk.length >= JSONL_CHUNK) await flush();
    },
    async finish() {
      await flush();
      stream!.end();
      await once(stream!, "close");
      await rename(temporary, path);
    },
    async abort() {
      stream?.destroy();
      await rm(temporary, {force: true});
    }
  };
}

const LIST_OF_INT32 = (name: string): SchemaElement[] => [
  {name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1},
  {name: "list", repetition_type: "REPEATED", num_children: 1},
  {name: "element", type: "INT32", repetition_type: "REQUIRED"}
];

const STRING = (name: string): SchemaElement => ({name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED"});

/** The same columns as the JSON Lines rows; `source` is a struct of file (string) and line (int64). */
const PARQUET_SCHEMA: SchemaElement[] = [
  {name: "root", num_children: 6},
  STRING("text"),
  ...LIST_OF_INT32("input_ids"),
  ...LIST_OF_INT32("labels"),
  ...LIST_OF_INT32("attention_mask"),
  STRING("prompt_type"),
  {name: "source", repetition_type: "REQUIRED", num_children: 2},
  STRING("file"),
  {name: "line", type: "INT64", repetition_type: "REQUIRED"}
];

/** Rows per Parquet row group: large enough to compress well, small enough to hold in memory. */
const ROW_GROUP = 1000;

function parquetRowWriter(path: string): RowWriter {
  const temporary = temporaryPathFor(path);
  let writer: ParquetWriter | undefined;
  let rows: PreparedRow[] = [];

  const open = (): ParquetWriter =>
    (writer ??= new ParquetWriter({writer: fileWriter(temporary), schema: PARQUET_SCHEMA, createdBy: "h2ogpt-ts"}));

  const flush = async (): Promise<void> => {
    const group = rows;
    rows = [];
    await open().write({
      rowGroupSize: group.length,
      columnData: [
        {name: "text", data: group.map((row) => row.text)},
        {name: "input_ids", data: group.map((row) => Array.from(row.inputIds))},
        {name: "labels", data: group.map((row) => Array.from(row.labels))},
        {name: "attention_mask", data: group.map((row) => Array.from(row.attentionMask))},
        {name: "prompt_type", data: group.map((row) => row.promptType)},
        {name: "source", data: group.map((row) => ({file: row.source.file, line: BigInt(row.source.line)}))}
      ]
    });
  };

  return {
    path,
    async write(row) {
      rows.push(row);
      if (rows.length >= ROW_GROUP) await flush();
    },
    async finish() {
      if (rows.length > 0) await flush();
      await open().finish();
      await rename(temporary, path);
    },
    async abort() {
      await rm(temporary, {force: true});
    }
  };
}
