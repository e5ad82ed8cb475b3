import {createWriteStream} from "node:fs";
import {mkdtemp, rm, stat, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parquetWriteBuffer} from "hyparquet-writer";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import type {DatasetColumns, DocumentInput, LoadedDocument, LoadFailure} from "../document-types.js";
import {datasetDocuments, datasetLoader, type DatasetFormat} from "./dataset-loader.js";
import {loadContext, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

const WIKI_ROWS = [
  {id: "12", url: "https://en.wikipedia.org/wiki/Anarchism", title: "Anarchism", text: "Anarchism is a political philosophy."},
  {id: "25", url: "", title: "Autism", text: "Autism is a neurodevelopmental condition."},
  {id: "39", url: "", title: "", text: "   "},
  {id: "", url: "", title: "", text: "Albedo is the fraction of light reflected."}
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-dataset-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

function wikiParquet(rows: readonly Record<string, string>[], rowGroupSize = 2): ArrayBuffer {
  const names = Object.keys(rows[0]!);
  return parquetWriteBuffer({
    columnData: names.map((name) => ({name, data: rows.map((row) => row[name]!), type: "STRING" as const})),
    rowGroupSize
  });
}

async function collect(
  input: DocumentInput,
  format: DatasetFormat,
  columns: DatasetColumns = {}
): Promise<{documents: LoadedDocument[]; failures: LoadFailure[]}> {
  const failures: LoadFailure[] = [];
  const documents: LoadedDocument[] = [];
  for await (const document of datasetDocuments({input, format, columns, reportFailure: (failure) => failures.push(failure)}))
    documents.push(document);
  return {documents, failures};
}

async function fileInput(name: string, content: string | Uint8Array | ArrayBuffer): Promise<DocumentInput> {
  const path = join(dir, name);
  await writeFile(path, content instanceof ArrayBuffer ? new Uint8Array(content) : content);
  // As the ingest gives large files: only a head in `bytes`, the rest read from `path`.
  return {name, source: path, bytes: new Uint8Array(0), path};
}

function expectedWikiDocuments(source: string, format: LoadedDocument["format"]): LoadedDocument[] {
  return [
    {
      source: "https://en.wikipedia.org/wiki/Anarchism",
      format,
      title: "Anarchism",
      metadata: {id: "12", url: "https://en.wikipedia.org/wiki/Anarchism", title: "Anarchism", row: 1},
      segments: [{text: "Anarchism is a political philosophy."}]
    },
    {source: "Autism", format, title: "Autism", metadata: {id: "25", title: "Autism", row: 2}, segments: [{text: "Autism is a neurodevelopmental condition."}]},
    {source: `${source}#row=4`, format, metadata: {row: 4}, segments: [{text: "Albedo is the fraction of light reflected."}]}
  ];
}

const CSV_WIKI = [
  "id,url,title,text",
  '12,https://en.wikipedia.org/wiki/Anarchism,Anarchism,"Anarchism is a political philosophy."',
  "25,,Autism,Autism is a neurodevelopmental condition.",
  '39,,,"   "',
  ",,,Albedo is the fraction of light reflected."
].join("\n");

describe("datasetDocuments", () => {
  it("reads a Parquet dataset row group by row group from its path", async () => {
    const input = await fileInput("wiki.parquet", wikiParquet(WIKI_ROWS));
    const {documents, failures} = await collect(input, "parquet");
    expect(documents).toEqual(expectedWikiDocuments(input.source, "parquet"));
    expect(failures).toEqual([{source: `${input.source}#row=3`, reason: "empty text"}]);
  });

  it("reads a Parquet dataset from bytes through datasetLoader", async () => {
    const bytes = new Uint8Array(wikiParquet(WIKI_ROWS));
    const failures: LoadFailure[] = [];
    const documents: LoadedDocument[] = [];
    for await (const document of datasetLoader.load({name: "w.parquet", source: "/docs/w.parquet", bytes}, loadContext(unavailableOcr, failures), 0))
      documents.push(document);
    expect(documents).toEqual(expectedWikiDocuments("/docs/w.parquet", "parquet"));
    expect(failures).toEqual([{source: "/docs/w.parquet#row=3", reason: "empty text"}]);
  });

  it("reads a JSONL dataset, reporting bad lines", async () => {
    const lines = WIKI_ROWS.map((row) => JSON.stringify(row));
    const input = await fileInput("wiki.jsonl", `${lines[0]}\r\n${lines[1]}\n${lines[2]}\n{oops\n${lines[3]}\n\n`);
    const {documents, failures} = await collect(input, "jsonl");
    expect(documents.map((document) => [document.source, document.metadata?.row])).toEqual([
      ["https://en.wikipedia.org/wiki/Anarchism", 1],
      ["Autism", 2],
      [`${input.source}#row=5`, 5]
    ]);
    expect(documents[1]!.segments).toEqual([{text: "Autism is a neurodevelopmental condition."}]);
    expect(failures).toEqual([
      {source: `${input.source}#row=3`, reason: "empty text"},
      {source: `${input.source}#line=4`, reason: expect.stringMatching(/^invalid JSON: /)}
    ]);
  });

  it("reads a CSV dataset", async () => {
    const input = await fileInput("wiki.csv", CSV_WIKI);
    const {documents, failures} = await collect(input, "csv");
    expect(documents).toEqual(expectedWikiDocuments(input.source, "csv"));
    expect(failures).toEqual([{source: `${input.source}#row=3`, reason: "empty text"}]);
  });

  it("uses a custom text column and source columns", async () => {
    const tsv = "doc_id\tbody\tname\nA1\tFirst body\tFirst\nA2\tSecond body\t\n";
    const input = await fileInput("custom.tsv", tsv);
    const {documents} = await collect(input, "tsv", {textColumn: "body", sourceColumns: ["name", "doc_id"]});
    expect(documents).toEqual([
      {source: "First", format: "tsv", metadata: {row: 1}, segments: [{text: "First body"}]},
      {source: "A2", format: "tsv", metadata: {row: 2}, segments: [{text: "Second body"}]}
    ]);
  });

  it("refuses a dataset without the text column, naming its columns", async () => {
    const parquet = await fileInput("no-text.parquet", wikiParquet([{id: "1", body: "x"}]));
    const csv = await fileInput("no-text.csv", "id,body\n1,x\n");
    for (const [input, format, columns] of [
      [parquet, "parquet", {}],
      [csv, "csv", {textColumn: "content"}]
    ] as const) {
      const error = await collect(input, format, columns).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DocumentLoadError);
      const name = format === "csv" ? "content" : "text";
      expect((error as DocumentLoadError).reason).toBe(`no column '${name}' (columns: id, body); choose one with --text_column`);
    }
  });

  it("refuses a file that is not Parquet", async () => {
    const input = await fileInput("bad.parquet", "not parquet at all");
    const error = await collect(input, "parquet").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DocumentLoadError);
    expect((error as DocumentLoadError).reason).toMatch(/^not a readable Parquet file: /);
  });

  it("streams a 30 MB+ JSONL dataset with bounded memory", async () => {
    const path = join(dir, "big.jsonl");
    const out = createWriteStream(path);
    const body = "word ".repeat(400);
    for (let i = 1; i <= 16_000; i++) out.write(`${JSON.stringify({id: String(i), url: `https://wiki/${i}`, title: `T${i}`, text: `${i} ${body}`})}\n`);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error == null ? resolve() : reject(error))));
    const size = (await stat(path)).size;
    expect(size).toBeGreaterThan(30 * 1024 * 1024);

    const input: DocumentInput = {name: "big.jsonl", source: path, bytes: new Uint8Array(0), path};
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const first: string[] = [];
    for await (const document of datasetDocuments({input, format: "jsonl", columns: {}, reportFailure: () => undefined})) {
      first.push(document.source);
      if (first.length === 3) break;
    }
    expect(first).toEqual(["https://wiki/1", "https://wiki/2", "https://wiki/3"]);
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(size / 4);

    let count = 0;
    let peak = 0;
    for await (const document of datasetDocuments({input, format: "jsonl", columns: {}, reportFailure: () => undefined})) {
      count++;
      if (count % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      expect(document.segments[0]!.text.length).toBeGreaterThan(2000);
    }
    expect(count).toBe(16_000);
    // Garbage collection is lazy, so the heap grows some (about 15 MB here), but reading the file whole would hold more than its size.
    expect(peak).toBeLessThan(size * 0.8);
  });
});
