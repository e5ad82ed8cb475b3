import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {main} from "./main.js";

async function run(cwd: string, ...argv: string[]) {
  const io = memoryIo({cwd});
  const code = await main(argv, io);
  return {code, out: io.out(), err: io.err()};
}

describe.skipIf(neoxTokenizerPath === undefined)("h2ogpt tokenize / detokenize", () => {
  const tokenizer = neoxTokenizerPath!;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-tokenize-cli-"));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("prints the ids of --text as one JSON array, with --flag=value or --flag value", async () => {
    expect(await run(dir, "tokenize", `--tokenizer=${tokenizer}`, "--text=Hello world")).toEqual({code: 0, out: "[12092,1533]\n", err: ""});
    expect((await run(dir, "tokenize", "--tokenizer", tokenizer, "--text", "   three")).out).toBe("[50275,13524]\n");
  });

  it("reads --file's bytes as UTF-8 exactly, NUL, control characters and BOM included", async () => {
    const file = join(dir, "controls.txt");
    writeFileSync(file, Buffer.from([0x61, 0x00, 0x62, 0x01, 0xef, 0xbb, 0xbf, 0x63, 0x0d, 0x0a, 0xc2, 0x85, 0x78]));
    const {code, out} = await run(dir, "tokenize", `--tokenizer=${tokenizer}`, "--file=controls.txt");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([66, 177, 67, 178, 41497, 68, 2379, 16643, 89]);
    const back = await run(dir, "detokenize", `--tokenizer=${tokenizer}`, `--ids=${out.trim()}`);
    expect(Buffer.from(back.out, "utf8")).toEqual(Buffer.from([0x61, 0x00, 0x62, 0x01, 0xef, 0xbb, 0xbf, 0x63, 0x0d, 0x0a, 0xc2, 0x85, 0x78]));
  });

  it("prints ids with offsets on request", async () => {
    const {out} = await run(dir, "tokenize", `--tokenizer=${tokenizer}`, "--text=Hello world", "--offsets");
    expect(JSON.parse(out)).toEqual({ids: [12092, 1533], offsets: [[0, 5], [5, 11]]});
  });

  it("detokenizes --ids or a --file of ids, without adding a newline", async () => {
    expect(await run(dir, "detokenize", `--tokenizer=${tokenizer}`, "--ids=[12092, 1533, 0]")).toEqual({code: 0, out: "Hello world<|endoftext|>", err: ""});
    writeFileSync(join(dir, "ids.json"), "[12092, 1533, 0]\n");
    expect((await run(dir, "detokenize", `--tokenizer=${tokenizer}`, "--file=ids.json", "--skip_special_tokens")).out).toBe("Hello world");
  });

  it("fails with one line and exit code 2 on bad input", async () => {
    const cases: [string[], string][] = [
      [["tokenize", "--text=x"], "h2ogpt tokenize: --tokenizer is required"],
      [["tokenize", `--tokenizer=${tokenizer}`], "h2ogpt tokenize: give exactly one of --text or --file"],
      [["tokenize", `--tokenizer=${tokenizer}`, "--text=x", "--file=y"], "h2ogpt tokenize: give exactly one of --text or --file"],
      [["tokenize", `--tokenizer=${join(dir, "nope")}`, "--text=x"], `h2ogpt tokenize: ${join(dir, "nope")}: no such file or directory`],
      [["tokenize", `--tokenizer=${tokenizer}`, "--file=missing.txt"], `h2ogpt tokenize: ${join(dir, "missing.txt")}: no such file`],
      [["tokenize", `--tokenizer=${tokenizer}`, "--file=bad.txt"], `h2ogpt tokenize: ${join(dir, "bad.txt")}: not valid UTF-8 (bad byte at offset 2)`],
      [["detokenize", `--tokenizer=${tokenizer}`, "--ids=[1, 2"], "h2ogpt detokenize: --ids: not valid JSON"],
      [["detokenize", `--tokenizer=${tokenizer}`, '--ids={"a": 1}'], "h2ogpt detokenize: --ids: expected a JSON array of token ids"],
      [["detokenize", `--tokenizer=${tokenizer}`, "--ids=[1, -3]"], "h2ogpt detokenize: --ids: item 1 is -3, not a token id"],
      [["detokenize", `--tokenizer=${tokenizer}`, "--ids=[99999]"], "h2ogpt detokenize: token id 99999 is not in the vocabulary"]
    ];
    writeFileSync(join(dir, "bad.txt"), Buffer.from([0x61, 0x62, 0xff, 0x63]));
    for (const [argv, message] of cases) {
      const {code, out, err} = await run(dir, ...argv);
      expect([code, out], argv.join(" ")).toEqual([2, ""]);
      expect(err.startsWith(message), `${argv.join(" ")}: ${err}`).toBe(true);
      expect(err.split("\n").length, err).toBe(2);
    }
  });
});
