import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {gpt2VocabGgufPath} from "../../../test/support/shared.js";
import {InputFileError} from "../../errors/index.js";
import {loadTokenizer} from "../index.js";
import {checkGgufHeader} from "./gguf-header-check.js";

/** node-llama-cpp hangs on these files; the check must refuse each one quickly, naming the problem. */
describe.skipIf(gpt2VocabGgufPath === undefined)("checkGgufHeader", () => {
  let dir: string;
  let bytes: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-gguf-check-"));
    bytes = readFileSync(gpt2VocabGgufPath!);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  function write(name: string, content: Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  it("accepts an intact GGUF", async () => {
    await expect(checkGgufHeader(gpt2VocabGgufPath!)).resolves.toBeUndefined();
  });

  it("refuses a file cut anywhere in its metadata, and garbage after the magic number", async () => {
    const cases: [Buffer, string][] = [
      [bytes.subarray(0, 3), "not a readable GGUF: file ends inside the magic number"],
      [bytes.subarray(0, 10), "not a readable GGUF: file ends inside the tensor count"],
      [bytes.subarray(0, 100_000), "not a readable GGUF: file ends inside tokenizer.ggml.tokens["],
      [bytes.subarray(0, 1_000_000), "not a readable GGUF: file ends inside tokenizer.ggml.merges["],
      [Buffer.concat([Buffer.from("GGUF\x03\x00\x00\x00", "latin1"), Buffer.from("garbagegarbage")]), "not a plausible count"],
      [Buffer.from("GGUF\x01\x00\x00\x00\x00\x00\x00\x00", "latin1"), "version 1 (llama.cpp reads versions 2 and 3)"]
    ];
    for (const [index, [content, message]] of cases.entries()) {
      const path = write(`case-${index}.gguf`, content);
      await expect(checkGgufHeader(path)).rejects.toThrow(message);
      await expect(loadTokenizer(path)).rejects.toThrow(InputFileError);
    }
  });
});
