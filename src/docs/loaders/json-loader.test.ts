import {describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import type {DatasetColumns, LoadedDocument, LoadFailure} from "../document-types.js";
import {jsonLoader} from "./json-loader.js";
import {loadAll, loadContext, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

async function load(text: string, name = "data.json", failures: LoadFailure[] = [], dataset: DatasetColumns = {}): Promise<LoadedDocument[]> {
  return loadAll(jsonLoader, new TextEncoder().encode(text), {...loadContext(unavailableOcr, failures), dataset}, name);
}

async function loadError(text: string, name = "data.json"): Promise<DocumentLoadError> {
  const error = await load(text, name).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("jsonLoader", () => {
  it("gives one document per object of a top-level array", async () => {
    const json = JSON.stringify([{name: "Ada", tags: ["math", "code"], born: 1815, spouse: null}, {name: "Grace", address: {city: "NYC"}}]);
    expect(await load(`\uFEFF${json}`)).toEqual([
      {source: "/docs/data.json#item=1", format: "json", metadata: {item: 1}, segments: [{text: 'name: Ada\ntags: ["math","code"]\nborn: 1815\nspouse: '}]},
      {source: "/docs/data.json#item=2", format: "json", metadata: {item: 2}, segments: [{text: 'name: Grace\naddress: {"city":"NYC"}'}]}
    ]);
  });

  it("reports empty array items and keeps the others", async () => {
    const failures: LoadFailure[] = [];
    const documents = await load('[{}, {"a": "x"}, {"b": ""}]', "data.json", failures);
    expect(documents.map((document) => document.segments[0]!.text)).toEqual(["a: x"]);
    expect(failures).toEqual([
      {source: "/docs/data.json#item=1", reason: "empty item"},
      {source: "/docs/data.json#item=3", reason: "empty item"}
    ]);
  });

  it("gives any other JSON value as one pretty-printed document", async () => {
    expect(await load('{"title": "Report", "sections": [1, 2]}')).toEqual([
      {source: "/docs/data.json", format: "json", segments: [{text: '{\n  "title": "Report",\n  "sections": [\n    1,\n    2\n  ]\n}'}]}
    ]);
    expect((await load('[1, "two", {"three": 3}]'))[0]!.segments).toEqual([{text: '[\n  1,\n  "two",\n  {\n    "three": 3\n  }\n]'}]);
    expect((await load('"just a\\nstring"'))[0]!.segments).toEqual([{text: "just a\nstring"}]);
  });

  it("reads an array of objects with a text column as a dataset", async () => {
    const json = JSON.stringify([{id: 1, url: "https://a", text: "Alpha text"}, {id: 2, text: "Beta text"}]);
    expect(await load(json)).toEqual([
      {source: "https://a", format: "json", metadata: {id: "1", url: "https://a", row: 1}, segments: [{text: "Alpha text"}]},
      {source: "2", format: "json", metadata: {id: "2", row: 2}, segments: [{text: "Beta text"}]}
    ]);
  });

  it("refuses invalid JSON naming the line and column", async () => {
    expect((await loadError('{\n  "a": 1,\n  "b": }\n')).reason).toBe("invalid JSON at line 3, column 8: Unexpected token '}'");
    expect((await loadError('[{"a": 1},\n {"b": 2}')).reason).toBe("invalid JSON at line 2, column 10: Expected ',' or ']' after array element");
    expect((await loadError('{"a": 1} trailing')).reason).toBe("invalid JSON at line 1, column 10: Unexpected non-whitespace character after JSON");
  });

  it("refuses empty JSON", async () => {
    expect((await loadError("  \n")).reason).toBe("empty: the file has no text");
    expect((await loadError("[]")).reason).toBe("no text found: the JSON is an empty array");
    expect((await loadError("{}")).reason).toBe("no text found: the JSON is an empty object");
    expect((await loadError('"  "')).reason).toBe("no text found: the JSON is an empty string");
  });
});

describe("jsonLoader for JSON Lines", () => {
  it("gives one document per line, reporting bad lines and keeping the others", async () => {
    const failures: LoadFailure[] = [];
    const jsonl = '{"q": "What?", "a": "This."}\r\n\n{"q": broken\n"a bare string"\n[1, 2]\n';
    expect(await load(jsonl, "data.jsonl", failures)).toEqual([
      {source: "/docs/data.jsonl#line=1", format: "jsonl", metadata: {line: 1}, segments: [{text: "q: What?\na: This."}]},
      {source: "/docs/data.jsonl#line=4", format: "jsonl", metadata: {line: 4}, segments: [{text: "a bare string"}]},
      {source: "/docs/data.jsonl#line=5", format: "jsonl", metadata: {line: 5}, segments: [{text: "[1,2]"}]}
    ]);
    expect(failures).toEqual([{source: "/docs/data.jsonl#line=3", reason: "invalid JSON: Unexpected token 'b'"}]);
  });

  it("reads JSON Lines under a .json name", async () => {
    expect((await load('{"a": 1}\n{"a": 2}\n', "data.json")).map((document) => [document.source, document.segments[0]!.text])).toEqual([
      ["/docs/data.json#line=1", "a: 1"],
      ["/docs/data.json#line=2", "a: 2"]
    ]);
  });

  it("reads JSON Lines with a text column as a dataset", async () => {
    const failures: LoadFailure[] = [];
    const jsonl = '{"title": "One", "body": "First."}\n{"title": "Two", "body": ""}\n';
    expect(await load(jsonl, "wiki.ndjson", failures, {textColumn: "body"})).toEqual([
      {source: "One", format: "jsonl", title: "One", metadata: {title: "One", row: 1}, segments: [{text: "First."}]}
    ]);
    expect(failures).toEqual([{source: "/docs/wiki.ndjson#row=2", reason: "empty text"}]);
  });

  it("refuses a file with no usable line", async () => {
    expect((await loadError("\n\n", "data.jsonl")).reason).toBe("empty: the file has no text");
    expect((await loadError("{bad\n", "data.jsonl")).reason).toBe("no text found: no line holds a JSON value with text");
  });
});
