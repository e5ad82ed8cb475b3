import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {gpt2VocabGgufPath} from "../../../test/support/shared.js";
import {InputFileError} from "../../errors/index.js";
import {readGguf} from "../../gguf/index.js";
import {loadTokenizer} from "../index.js";

/**
 * node-llama-cpp hangs on these files; loadTokenizer must refuse each one quickly, naming the problem, with the
 * gguf stage's reader (the guard the engine uses too) before llama.cpp sees the file.
 */
describe.skipIf(gpt2VocabGgufPath === undefined)("a truncated or corrupt GGUF tokenizer", () => {
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

  it("passes an intact GGUF to llama.cpp", async () => {
    await expect(readGguf(gpt2VocabGgufPath!)).resolves.toMatchObject({path: gpt2VocabGgufPath});
  });

  it("refuses a file cut anywhere in its metadata, and garbage after the magic number", async () => {
    const cases: [Buffer, string][] = [
      [bytes.subarray(0, 3), "not a valid GGUF file: truncated: the header needs byte 4 but the file has 3 bytes"],
      [bytes.subarray(0, 10), "not a valid GGUF file: truncated: the header needs byte 16 but the file has 10 bytes"],
      [bytes.subarray(0, 100_000), "not a valid GGUF file: truncated or corrupt: 50257 items of metadata tokenizer.ggml.tokens run past the end of the file"],
      [bytes.subarray(0, 1_000_000), "not a valid GGUF file: truncated or corrupt: 50000 items of metadata tokenizer.ggml.merges run past the end of the file"],
      [Buffer.concat([Buffer.from("GGUF\x03\x00\x00\x00", "latin1"), Buffer.from("garbagegarbage")]), "is impossibly large"],
      [Buffer.from("GGUF\x01\x00\x00\x00\x00\x00\x00\x00", "latin1"), "unsupported GGUF version 1 (2 and 3 are supported)"]
    ];
    for (const [index, [content, message]] of cases.entries()) {
      const path = write(`case-${index}.gguf`, content);
      await expect(readGguf(path)).rejects.toThrow(message);
      await expect(loadTokenizer(path)).rejects.toThrow(InputFileError);
      // A file too short to hold the magic number is not taken for a GGUF at all (it is read as tokenizer.json).
      if (content.length >= 4) await expect(loadTokenizer(path)).rejects.toThrow(message);
    }
  });
});
