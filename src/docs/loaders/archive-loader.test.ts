import {strToU8, zipSync} from "fflate";
import {gzipSync} from "node:zlib";
import {describe, expect, it} from "vitest";
import {ArchiveLimitError, DocumentLoadError} from "../docs-errors.js";
import type {ArchiveLimits, LoadedDocument} from "../document-types.js";
import {archiveLoader} from "./archive-loader.js";
import {makeRawZip} from "./test-fixtures/make-raw-zip.js";
import {makeTar} from "./test-fixtures/make-tar.js";
import {textLoadContext} from "./test-fixtures/text-load-context.js";
import {readZipEntries} from "./zip-reader.js";

async function load(name: string, bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}) {
  const {context, failures} = textLoadContext(limits);
  const documents: LoadedDocument[] = [];
  for await (const document of archiveLoader.load({name, source: name, bytes}, context, 0)) documents.push(document);
  return {documents, failures, summary: documents.map((document) => [document.source, document.format, document.segments[0].text])};
}

async function refusal(name: string, bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}): Promise<DocumentLoadError> {
  const error = await load(name, bytes, limits).then(
    () => undefined,
    (thrown: unknown) => thrown
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("archiveLoader: zip", () => {
  it("loads each file member as archive!/path and skips directories and macOS litter", async () => {
    const zip = zipSync({
      "dir/": {},
      "dir/x.txt": strToU8("hello from x"),
      "notes.md": strToU8("# Notes\n\nsome *markdown*"),
      "__MACOSX/dir/._x.txt": strToU8("\0\x05\x16\x07"),
      ".DS_Store": strToU8("\0\0\0\x01Bud1")
    });
    const {summary, failures} = await load("a.zip", zip);
    expect(summary).toEqual([
      ["a.zip!/dir/x.txt", "text", "hello from x"],
      ["a.zip!/notes.md", "markdown", "# Notes\n\nsome *markdown*"]
    ]);
    expect(failures).toEqual([]);
  });

  it("reads UTF-8 member names and ZIP64 records", async () => {
    const zip = makeRawZip(
      [
        {name: "données/é.txt", data: "accents"},
        {name: "stored.txt", data: "kept as is", stored: true}
      ],
      {zip64: true}
    );
    const {summary} = await load("z64.zip", zip);
    expect(summary).toEqual([
      ["z64.zip!/données/é.txt", "text", "accents"],
      ["z64.zip!/stored.txt", "text", "kept as is"]
    ]);
  });

  it("loads zips nested in zips with the full member path as source", async () => {
    const inner = zipSync({"y.txt": strToU8("deep text")});
    const outer = zipSync({"sub/inner.zip": inner, "top.txt": strToU8("top text")});
    const {summary} = await load("outer.zip", outer);
    expect(summary).toEqual([
      ["outer.zip!/sub/inner.zip!/y.txt", "text", "deep text"],
      ["outer.zip!/top.txt", "text", "top text"]
    ]);
  });

  it("reports a corrupt member and still loads the others", async () => {
    const zip = zipSync({"bad.txt": strToU8("AAAAAAAAAAAA"), "good.txt": strToU8("still here"), "bin.txt": new Uint8Array([0xff, 0xfe, 0x00, 0xc3])}, {level: 0});
    const at = Buffer.from(zip).indexOf("AAAAAAAAAAAA");
    zip[at] = "B".charCodeAt(0);
    const {summary, failures} = await load("c.zip", zip);
    expect(summary).toEqual([["c.zip!/good.txt", "text", "still here"]]);
    expect(failures).toEqual([
      {source: "c.zip!/bad.txt", reason: "corrupt zip member: CRC mismatch"},
      {source: "c.zip!/bin.txt", reason: "not UTF-8 text"}
    ]);
  });

  it("refuses an encrypted member by its flag and loads the rest", async () => {
    const zip = makeRawZip([
      {name: "secret.txt", data: "ciphertext", encrypted: true},
      {name: "open.txt", data: "plain"}
    ]);
    const {summary, failures} = await load("e.zip", zip);
    expect(summary).toEqual([["e.zip!/open.txt", "text", "plain"]]);
    expect(failures).toEqual([
      {source: "e.zip!/secret.txt", reason: "encrypted zip member: password-protected archives are not supported"}
    ]);
  });

  it("never inflates a member past its declared size", async () => {
    const zip = makeRawZip([
      {name: "liar.txt", data: new Uint8Array(10 * 1024 * 1024).fill(0x41), declaredSize: 100},
      {name: "honest.txt", data: "ok"}
    ]);
    const {summary, failures} = await load("l.zip", zip);
    expect(summary).toEqual([["l.zip!/honest.txt", "text", "ok"]]);
    expect(failures).toEqual([{source: "l.zip!/liar.txt", reason: "corrupt zip member: expands past its declared 100 bytes"}]);
  });

  it("refuses a zip bomb by total size before inflating anything", async () => {
    const zip = makeRawZip([
      {name: "readme.txt", data: "hello"},
      {name: "zeros.bin", data: new Uint8Array(200 * 1024 * 1024)}
    ]);
    expect(zip.length).toBeLessThan(400 * 1024);
    const error = await refusal("bomb.zip", zip, {maxTotalBytes: 10 * 1024 * 1024, maxRatio: 100_000});
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error.source).toBe("bomb.zip");
    expect(error.reason).toBe("archive refused: 209715205 bytes uncompressed in total (limit 10485760 bytes) (a zip bomb?)");
  });

  it("refuses a member past the compression ratio limit", async () => {
    const zip = makeRawZip([{name: "zeros.bin", data: new Uint8Array(10 * 1024 * 1024)}]);
    const compressed = readZipEntries({bytes: zip, source: "r.zip", label: "zip"})[0].compressedSize;
    const error = await refusal("r.zip", zip);
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error.reason).toBe(
      `archive refused: member "zeros.bin" expands ${compressed} bytes to 10485760 (${Math.round(10485760 / compressed)}x, limit 200x) (a zip bomb?)`
    );
  });

  it("refuses too many members", async () => {
    const files = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`f${n}.txt`, strToU8(`file ${n}`)]));
    const error = await refusal("many.zip", zipSync(files), {maxMembers: 3});
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error.reason).toBe("archive refused: 5 members (limit 3) (a zip bomb?)");
  });

  it("refuses archives nested deeper than maxDepth", async () => {
    const z0 = zipSync({"t.txt": strToU8("innermost")});
    const z1 = zipSync({"z0.zip": z0, "one.txt": strToU8("level one")});
    const z2 = zipSync({"z1.zip": z1});
    const {summary, failures} = await load("z2.zip", z2, {maxDepth: 1});
    expect(summary).toEqual([["z2.zip!/z1.zip!/one.txt", "text", "level one"]]);
    expect(failures).toEqual([
      {source: "z2.zip!/z1.zip!/z0.zip", reason: "archive refused: nested 2 archives deep (limit 1) (a zip bomb?)"}
    ]);
  });

  it("shares one byte budget between a top-level archive and the archives inside it", async () => {
    const chunk = "x".repeat(40 * 1024);
    const inner = (n: number) => zipSync({[`part${n}.txt`]: strToU8(chunk)});
    const outer = zipSync({"a.zip": inner(1), "b.zip": inner(2), "c.zip": inner(3)}, {level: 0});
    const {summary, failures} = await load("shared.zip", outer, {maxTotalBytes: 100 * 1024});
    expect(summary.map(([source]) => source)).toEqual(["shared.zip!/a.zip!/part1.txt", "shared.zip!/b.zip!/part2.txt"]);
    expect(failures).toHaveLength(1);
    expect(failures[0].source).toBe("shared.zip!/c.zip");
    expect(failures[0].reason).toMatch(/^archive refused: \d+ bytes uncompressed in total \(limit 102400 bytes\) \(a zip bomb\?\)$/);
  });

  it("reports a file that is not a zip, or a truncated one, as corrupt", async () => {
    expect((await refusal("junk.zip", strToU8("PK this is not a zip at all"))).reason).toBe(
      "corrupt zip: not a zip archive (no end of central directory record)"
    );
    const zip = zipSync({"a.txt": strToU8("a".repeat(5000)), "b.txt": strToU8("b")});
    const truncated = new Uint8Array([...zip.subarray(0, 40), ...zip.subarray(zip.length - 22)]);
    expect((await refusal("cut.zip", truncated)).reason).toBe(
      "corrupt zip: central directory lies outside the file (truncated download?)"
    );
  });

  it("says an archive without files has no text", async () => {
    expect((await refusal("empty.zip", zipSync({"only/": {}}))).reason).toBe("no text found: the archive holds no files");
  });
});

describe("archiveLoader: tar and gzip", () => {
  const longName = `${"deep/".repeat(25)}long-name.txt`;
  const tar = makeTar([
    {name: "docs/", type: "5"},
    {name: "docs/a.txt", data: "tar member a"},
    {name: longName, data: "long named member"},
    {name: "link", type: "2"},
    {name: "._a.txt", data: "\0\x05\x16\x07"}
  ]);

  it("loads regular tar members, GNU long names included", async () => {
    const {summary} = await load("t.tar", tar);
    expect(summary).toEqual([
      ["t.tar!/docs/a.txt", "text", "tar member a"],
      [`t.tar!/${longName}`, "text", "long named member"]
    ]);
  });

  it("takes a member's path from a pax header", async () => {
    const path = `pax/${"ü".repeat(120)}.txt`;
    const body = ` path=${path}\n`;
    // The record's length counts bytes, its own digits included.
    let length = Buffer.byteLength(body) + 1;
    while (Buffer.byteLength(`${length}${body}`) !== length) length++;
    const record = `${length}${body}`;
    const pax = makeTar([
      {name: "PaxHeaders/x", type: "x", data: record},
      {name: "truncated-name.txt", data: "pax named"}
    ]);
    const {summary} = await load("p.tar", pax);
    expect(summary).toEqual([[`p.tar!/${path}`, "text", "pax named"]]);
  });

  it("loads a .tar.gz as a tar", async () => {
    const {summary} = await load("t.tar.gz", gzipSync(tar));
    expect(summary).toEqual([
      ["t.tar.gz!/docs/a.txt", "text", "tar member a"],
      [`t.tar.gz!/${longName}`, "text", "long named member"]
    ]);
  });

  it("hands a gzipped single file to the dispatcher under its inner name", async () => {
    const {summary} = await load("notes.md.gz", gzipSync("# gzipped markdown"));
    expect(summary).toEqual([["notes.md.gz", "markdown", "# gzipped markdown"]]);
  });

  it("refuses a gzip stream past the ratio limit", async () => {
    const gz = gzipSync(new Uint8Array(20 * 1024 * 1024));
    const error = await refusal("zeros.txt.gz", gz);
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error.reason).toBe(`archive refused: ${gz.length} compressed bytes expand past ${gz.length * 200} (limit 200x) (a zip bomb?)`);
  });

  it("reports a bad tar header and a corrupt gzip", async () => {
    const broken = new Uint8Array(tar);
    broken[0] = "X".charCodeAt(0);
    expect((await refusal("bad.tar", broken)).reason).toBe("corrupt tar: not a tar archive (bad header checksum)");
    const gz = gzipSync("some text that will be damaged");
    gz[gz.length - 12] ^= 0xff;
    expect((await refusal("bad.txt.gz", gz)).reason).toMatch(/^corrupt gzip: /);
  });
});
