import {describe, expect, it} from "vitest";
import {gzipSync} from "node:zlib";
import {parquetWriteBuffer} from "hyparquet-writer";
import {fixture, jsonl, tempDir} from "../../test/data/helpers.js";
import {readDataRecords, type DataItem, type ReadDataRecordsOptions} from "./index.js";

const dir = await tempDir();

async function readAll(options: ReadDataRecordsOptions): Promise<{items: DataItem[]; warnings: string[]}> {
  const warnings: string[] = [];
  const items: DataItem[] = [];
  for await (const item of readDataRecords({cwd: dir, onWarning: (message) => warnings.push(message), ...options})) items.push(item);
  return {items, warnings};
}

describe("readDataRecords (prepare's input formats, one record at a time)", () => {
  it("reads a folder of CSV, Parquet and gzipped JSON Lines in path order, with file:line and normalized records", async () => {
    const folder = await tempDir();
    await fixture(folder, "a.csv", 'instruction,output,prompt_type\nWho are you?,"A bot, I think.",human_bot\n');
    const parquet = parquetWriteBuffer({
      columnData: [
        {name: "input", data: ["q1", "q2"], type: "STRING"},
        {name: "output", data: ["a1", "a2"], type: "STRING"}
      ]
    });
    await fixture(folder, "b.parquet", new Uint8Array(parquet));
    await fixture(folder, "c.jsonl.gz", gzipSync(jsonl([{messages: [{role: "user", content: "Hi"}]}, {text: "plain text"}])));
    await fixture(folder, "notes.txt", "not data");
    const {items, warnings} = await readAll({dataPath: folder, cwd: "/"});
    const at = (file: string, line: number) => ({file: `${folder}/${file}`, line});
    expect(items).toEqual([
      {source: at("a.csv", 2), record: {kind: "instruction", instruction: "Who are you?", input: "", output: "A bot, I think.", context: "", promptType: "human_bot"}},
      {source: at("b.parquet", 1), record: {kind: "instruction", instruction: "", input: "q1", output: "a1", context: ""}},
      {source: at("b.parquet", 2), record: {kind: "instruction", instruction: "", input: "q2", output: "a2", context: ""}},
      {source: at("c.jsonl.gz", 1), record: {kind: "conversation", turns: [{role: "user", content: "Hi"}], field: "messages"}},
      {source: at("c.jsonl.gz", 2), record: {kind: "text", text: "plain text"}}
    ]);
    expect(warnings).toEqual([`${folder}/notes.txt: not a data file, skipped`]);
  });

  it("turns malformed lines, wrong field types and empty records into problems with their line, and reads on", async () => {
    await fixture(dir, "bad.jsonl", '{"instruction": "ok"}\n{"instruction":\n[1]\n{"output": 7}\n{}\n{"instruction": "last"}\n');
    const {items} = await readAll({dataPath: "bad.jsonl"});
    expect(items.map((item) => ("problem" in item ? `${item.source.line} ${item.problem.reason}: ${item.problem.detail}` : `${item.source.line} ok`))).toEqual([
      "1 ok",
      expect.stringMatching(/^2 malformed_json: /),
      "3 not_an_object: the record is a list, expected an object",
      "4 wrong_field_type: field 'output' is a number, expected a string",
      "5 empty_record: no instruction, input, output, context, text, messages or conversations",
      "6 ok"
    ]);
    expect(items[0]!.source).toEqual({file: "bad.jsonl", line: 1});
  });

  it("renames columns with --data_col_dict as prepare does, and warns about a renamed column no record has", async () => {
    await fixture(dir, "qa.jsonl", jsonl([{question: "Q", answer: "A", instruction: "replaced"}]));
    const {items, warnings} = await readAll({dataPath: "qa.jsonl", dataColDict: "{'question': 'instruction', 'answer': 'output', 'typo': 'input'}"});
    expect(items).toEqual([{source: {file: "qa.jsonl", line: 1}, record: {kind: "instruction", instruction: "Q", input: "", output: "A", context: ""}}]);
    expect(warnings).toEqual(["--data_col_dict: no record has a column 'typo'"]);
  });

  it("rejects a bad column map at the call and a missing path when reading starts (exit code 2)", async () => {
    expect(() => readDataRecords({dataPath: "x.jsonl", dataColDict: "{'a': 'answer'}"})).toThrow(/'a' maps to "answer", which is not a field prepare reads/);
    await expect(readAll({dataPath: "missing.jsonl"})).rejects.toMatchObject({exitCode: 2, message: "missing.jsonl: no such file or folder"});
  });
});
