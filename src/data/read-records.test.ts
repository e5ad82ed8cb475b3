import {describe, expect, it} from "vitest";
import {gzipSync} from "node:zlib";
import {parquetWriteBuffer} from "hyparquet-writer";
import {fixture, tempDir} from "../../test/data/helpers.js";
import {listInputFiles} from "./input-files.js";
import {readRecords} from "./read-records.js";
import type {RawItem} from "./record-types.js";

async function readAll(path: string, maxRecordBytes = 1 << 20): Promise<string[]> {
  const {files} = await listInputFiles(path);
  const out: string[] = [];
  for await (const batch of readRecords(files, {maxRecordBytes})) out.push(...batch.map(show));
  return out;
}

/** One line per item: `line record-json` or `line !reason`. */
function show(item: RawItem): string {
  return item.kind === "record" ? `${item.source.line} ${JSON.stringify(item.value)}` : `${item.source.line} !${item.reason}`;
}

const dir = await tempDir();

describe("JSON Lines", () => {
  it("reads records with line numbers, skipping blank lines, with CRLF and a BOM", async () => {
    const path = await fixture(dir, "a.jsonl", '\ufeff{"a":1}\r\n\r\n  \n{"a":2}\r\n{"a":3}');
    expect(await readAll(path)).toEqual(['1 {"a":1}', '4 {"a":2}', '5 {"a":3}']);
  });

  it("counts malformed JSON and invalid UTF-8 per line and keeps reading", async () => {
    const bytes = Buffer.concat([Buffer.from('{"a":1}\n{"a":\n'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), Buffer.from('{"a":4}\n')]);
    const path = await fixture(dir, "bad.jsonl", bytes);
    expect(await readAll(path)).toEqual(['1 {"a":1}', "2 !malformed_json", "3 !invalid_utf8", '4 {"a":4}']);
  });

  it("reads a line longer than a read chunk, and skips one over the record limit without holding it", async () => {
    const huge = "x".repeat(3_000_000);
    const path = await fixture(dir, "huge.jsonl", `{"t":"${huge}"}\n{"t":"${huge}${huge}"}\n{"t":"end"}\n`);
    const items = await readAll(path, 4_000_000);
    expect(items.map((s) => s.slice(0, 12))).toEqual(['1 {"t":"xxxx', "2 !record_to", '3 {"t":"end"']);
    expect(items[0]!.length).toBe(3_000_000 + 10);
  });

  it("reads an empty file as no records", async () => {
    expect(await readAll(await fixture(dir, "empty.jsonl", ""))).toEqual([]);
  });

  it("reads gzip-compressed files", async () => {
    const path = await fixture(dir, "z.jsonl.gz", gzipSync('{"a":1}\n{"a":2}\n'));
    expect(await readAll(path)).toEqual(['1 {"a":1}', '2 {"a":2}']);
  });

  it("turns a corrupt .gz into one problem and goes on", async () => {
    const good = gzipSync('{"a":1}\n'.repeat(10));
    const path = await fixture(dir, "corrupt.jsonl.gz", good.subarray(0, good.length - 12));
    const items = await readAll(path);
    expect(items.at(-1)).toMatch(/!unreadable_file$/);
  });
});

describe("JSON arrays", () => {
  it("streams elements numbered from 1, with nested brackets and strings holding brackets and commas", async () => {
    const path = await fixture(dir, "a.json", '\ufeff [ {"a":"],[{"}, {"b":[1,{"c":"\\"]"}]}\n,\n{"a":3} ]\n');
    expect(await readAll(path)).toEqual(['1 {"a":"],[{"}', '2 {"b":[1,{"c":"\\"]"}]}', '3 {"a":3}']);
  });

  it("counts a malformed element and resumes at the next element", async () => {
    const path = await fixture(dir, "bad.json", '[{"a":1}, {"a":}, {"a":3} {"a":4}, {"a":5},]');
    expect(await readAll(path)).toEqual(['1 {"a":1}', "2 !malformed_json", "3 !malformed_json", '4 {"a":5}', "5 !malformed_json"]);
  });

  it("reports an unterminated array, text after it, and an empty array", async () => {
    expect(await readAll(await fixture(dir, "open.json", '[{"a":1}, {"a":"x'))).toEqual(['1 {"a":1}', "2 !malformed_json"]);
    expect(await readAll(await fixture(dir, "after.json", '[{"a":1}] x'))).toEqual(['1 {"a":1}', "2 !malformed_json"]);
    expect(await readAll(await fixture(dir, "empty.json", " [ ] "))).toEqual([]);
    expect(await readAll(await fixture(dir, "blank.json", ""))).toEqual([]);
  });

  it("reads a .json file that holds JSON Lines", async () => {
    expect(await readAll(await fixture(dir, "lines.json", '{"a":1}\n{"a":2}\n'))).toEqual(['1 {"a":1}', '2 {"a":2}']);
  });

  it("handles elements split across read chunks", async () => {
    const records = Array.from({length: 3000}, (_, i) => ({i, t: "é".repeat(500)}));
    const items = await readAll(await fixture(dir, "big.json", JSON.stringify(records)));
    expect(items.length).toBe(3000);
    expect(items[2999]).toBe(`3000 ${JSON.stringify(records[2999])}`);
  });
});

describe("CSV", () => {
  it("reads rows keyed by the header, numbered by their first line, with BOM, CRLF and quoted newlines", async () => {
    const path = await fixture(dir, "a.csv", '\ufeffinstruction,output\r\na,b\r\n\r\n"multi\nline",x\r\nc,"say ""hi"""\r\n');
    expect(await readAll(path)).toEqual([
      '2 {"instruction":"a","output":"b"}',
      '4 {"instruction":"multi\\nline","output":"x"}',
      '6 {"instruction":"c","output":"say \\"hi\\""}'
    ]);
  });

  it("counts rows with the wrong number of cells or bad UTF-8, in file order", async () => {
    const bytes = Buffer.concat([Buffer.from("input,output\n1,2,3\nok,"), Buffer.from([0xff]), Buffer.from("\nx,y\nlast,\"open\n")]);
    expect(await readAll(await fixture(dir, "bad.csv", bytes))).toEqual([
      "2 !malformed_csv",
      "3 !invalid_utf8",
      '4 {"input":"x","output":"y"}',
      "5 !malformed_csv"
    ]);
  });

  it("counts a row over the record limit and keeps reading", async () => {
    const path = await fixture(dir, "big.csv", `input,output\na,b\nx,${"y".repeat(5000)}\nc,d\n`);
    expect(await readAll(path, 1000)).toEqual(['2 {"input":"a","output":"b"}', "3 !record_too_large", '4 {"input":"c","output":"d"}']);
  });

  it("reads TSV", async () => {
    expect(await readAll(await fixture(dir, "a.tsv", "input\toutput\nq\ta\n"))).toEqual(['2 {"input":"q","output":"a"}']);
  });
});

describe("Parquet", () => {
  it("reads rows one row group at a time, numbered from 1", async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        {name: "input", data: ["q1", "q2", "q3"], type: "STRING"},
        {name: "output", data: ["a1", "a2", "a3"], type: "STRING"}
      ],
      rowGroupSize: 2
    });
    const path = await fixture(dir, "a.parquet", new Uint8Array(buffer));
    expect(await readAll(path)).toEqual([
      '1 {"input":"q1","output":"a1"}',
      '2 {"input":"q2","output":"a2"}',
      '3 {"input":"q3","output":"a3"}'
    ]);
  });

  it("turns a file that is not Parquet into a problem", async () => {
    expect(await readAll(await fixture(dir, "bad.parquet", "not parquet at all"))).toEqual(["1 !unreadable_file"]);
  });

  it("turns a corrupt column its schema does not name into problems, with no error escaping unhandled", async () => {
    // Found by readers-fuzz.test.ts: the schema says "out\x19ut", the column chunk "output", whose page is corrupt.
    const corrupt = Buffer.from(
      "UEFSMRUGFZYBFZwBXBWrFQAVBhUAFQQVAAAAAwdJ8EgwAAAA8J+Ps++4j+KAjfCfjIgIaWYgKGEgJiYgYikgewoJcmV0dXJuOwp9JyBzMTIzNDUgBAAAAHRydWUJAAAAYXNzaXN0YW50FQYVrgEVnAFcFQYVABUGFQAVBBUAAAADB1WYBgAAAHN5c3RlbQAAAABDAAAA8J+RqOKAjfCfkrt8PiDvv70ICgoKOgIAeCAgCmNhZsOpPHxlbmRvZnRleHQg16nXnNeV1510aGUVBBk8SARyb290FQQAFQwlAhgLaW5zdHJ1Y3Rpb24lAAAVDCUCGAZvdXQZdXQlAAAWBhkcGSwmCBwVDBkVABkYC2luc3RydWN0aW9uFQIWBhbEARbKASYIPDYAKBDwn4+z77iP4oCN8J+MiAhqGAlhc3Npc3RhbnQSABkcFQYVABUCAAAAJtIBHBUMGRUAGRgGb3V0cHV0FQIWBhbcARbKASbSATw2ACgO8J+RqOKAjfCfkrt8PiEYABIAGRwVBhUAFQIAAAAWoAMWBjaUAwAoCWh5cGFycXVldBksHAAAHAAAAOMAAABQQVIx",
      "base64"
    );
    // Before the fix the orphan column's decoding error escaped as an unhandled rejection (vitest fails the run).
    expect(await readAll(await fixture(dir, "orphan-column.parquet", corrupt))).toEqual(["1 !unreadable_file", "2 !unreadable_file", "3 !unreadable_file"]);
  });
});

describe("listInputFiles", () => {
  it("expands folders (sorted, recursive, hidden files skipped) and comma-separated lists", async () => {
    const sub = await tempDir();
    await fixture(sub, "b.jsonl", "");
    await fixture(sub, "a.csv", "");
    await fixture(sub, ".hidden.jsonl", "");
    await fixture(sub, "notes.txt", "");
    const listed = await listInputFiles(`${sub}, ${dir}/a.jsonl`);
    expect(listed.files.map((f) => [f.path.replace(sub, "S").replace(dir, "D"), f.format])).toEqual([
      ["S/a.csv", "csv"],
      ["S/b.jsonl", "jsonl"],
      ["D/a.jsonl", "jsonl"]
    ]);
    expect(listed.ignored.map((p) => p.replace(sub, "S"))).toEqual(["S/notes.txt"]);
  });

  it("fails with exit code 2 and one line for a missing file, an unknown extension or an empty folder", async () => {
    await expect(listInputFiles(`${dir}/missing.jsonl`)).rejects.toMatchObject({exitCode: 2, message: `${dir}/missing.jsonl: no such file or folder`});
    await expect(listInputFiles(await fixture(dir, "x.txt", ""))).rejects.toThrow("cannot tell the format of 'x.txt'");
    await expect(listInputFiles(await tempDir())).rejects.toThrow("no data files in this folder");
    await expect(listInputFiles(" , ")).rejects.toThrow("--data_path is required");
  });
});
