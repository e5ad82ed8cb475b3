import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import type {DatasetColumns, LoadedDocument, LoadFailure} from "../document-types.js";
import {csvLoader} from "./csv-loader.js";
import {loadAll, loadContext, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

async function load(text: string, name = "data.csv", dataset: DatasetColumns = {}, failures: LoadFailure[] = []): Promise<LoadedDocument[]> {
  return loadAll(csvLoader, new TextEncoder().encode(text), {...loadContext(unavailableOcr, failures), dataset}, name);
}

async function loadError(text: string, name = "data.csv"): Promise<DocumentLoadError> {
  const error = await load(text, name).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("csvLoader", () => {
  it("gives one document per row with column: value lines, as LangChain's CSVLoader", async () => {
    const csv = '\uFEFFname,notes,city\r\nAda,"likes commas, and ""quotes""",London\r\nGrace,"two\nlines",\r\n';
    expect(await load(csv)).toEqual([
      {source: "/docs/data.csv#row=1", format: "csv", metadata: {row: 1}, segments: [{text: 'name: Ada\nnotes: likes commas, and "quotes"\ncity: London'}]},
      {source: "/docs/data.csv#row=2", format: "csv", metadata: {row: 2}, segments: [{text: "name: Grace\nnotes: two\nlines\ncity: "}]}
    ]);
  });

  it("reads TSV and rows with missing or extra cells", async () => {
    const documents = await load("a\tb\n1\n2\t3\t4\n\n5\t6\n", "data.tsv");
    expect(documents.map((document) => [document.source, document.format, document.segments[0]!.text])).toEqual([
      ["/docs/data.tsv#row=1", "tsv", "a: 1\nb: "],
      ["/docs/data.tsv#row=2", "tsv", "a: 2\nb: 3\ncolumn 3: 4"],
      ["/docs/data.tsv#row=3", "tsv", "a: 5\nb: 6"]
    ]);
  });

  it("reports rows with no values and keeps the others", async () => {
    const failures: LoadFailure[] = [];
    const documents = await load("a,b\n,\nx,y\n", "data.csv", {}, failures);
    expect(documents.map((document) => document.source)).toEqual(["/docs/data.csv#row=2"]);
    expect(failures).toEqual([{source: "/docs/data.csv#row=1", reason: "empty row"}]);
  });

  it("reads a CSV with a text column as a dataset", async () => {
    const csv = "id,title,text\n7,Seven,The seventh text.\n8,,The eighth text.\n";
    expect(await load(csv)).toEqual([
      {source: "Seven", format: "csv", title: "Seven", metadata: {id: "7", title: "Seven", row: 1}, segments: [{text: "The seventh text."}]},
      {source: "8", format: "csv", metadata: {id: "8", row: 2}, segments: [{text: "The eighth text."}]}
    ]);
  });

  it("reads the column --text_column names as a dataset, and a text column as plain data when another is named", async () => {
    const csv = "key,body,text\nk1,Body one,other\n";
    expect((await load(csv, "data.csv", {textColumn: "body"}))[0]).toEqual({
      source: "/docs/data.csv#row=1",
      format: "csv",
      metadata: {row: 1},
      segments: [{text: "Body one"}]
    });
    expect((await load("key,text\nk1,v\n", "data.csv", {textColumn: "body"}))[0]!.segments).toEqual([{text: "key: k1\ntext: v"}]);
  });

  it("streams from the path when the input has one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "h2ogpt-csv-"));
    try {
      const path = join(dir, "big.csv");
      await writeFile(path, "n,square\n" + Array.from({length: 5000}, (_, i) => `${i + 1},${(i + 1) ** 2}`).join("\n"));
      const documents: LoadedDocument[] = [];
      // Only the head is in `bytes`, as the ingest hands over large files.
      for await (const document of csvLoader.load({name: "big.csv", source: path, bytes: new TextEncoder().encode("n,square\n1,1"), path}, loadContext(unavailableOcr), 0))
        documents.push(document);
      expect(documents).toHaveLength(5000);
      expect(documents[4999]).toEqual({source: `${path}#row=5000`, format: "csv", metadata: {row: 5000}, segments: [{text: "n: 5000\nsquare: 25000000"}]});
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });

  it("refuses a malformed CSV naming the line", async () => {
    const error = await loadError('a,b\n1,2\n3,"open\n4,5\n');
    expect(error.reason).toBe("malformed CSV at line 3: a quote is never closed");
    expect((await loadError('a\tb\n"x\t1\n', "data.tsv")).reason).toBe("malformed TSV at line 2: a quote is never closed");
  });

  it("refuses empty and header-only files", async () => {
    expect((await loadError("")).reason).toBe("empty: the file has no data rows");
    expect((await loadError("a,b\n")).reason).toBe("empty: the file has no data rows");
  });
});
