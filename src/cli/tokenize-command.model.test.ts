import {describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {neoxVocabGgufPath} from "../../test/support/shared.js";
import {main} from "./main.js";

async function run(...argv: string[]) {
  const io = memoryIo();
  return {code: await main(argv, io), out: io.out(), err: io.err()};
}

describe.skipIf(neoxVocabGgufPath === undefined)("h2ogpt tokenize / detokenize on a GGUF", () => {
  it("prints llama.cpp's ids, and its warnings about the file as one stderr line", async () => {
    const {code, out, err} = await run("tokenize", `--tokenizer=${neoxVocabGgufPath}`, "--text=Hello world");
    expect([code, out]).toEqual([0, "[12092,1533]\n"]);
    expect(err).toMatch(/^warning: llama\.cpp: missing pre-tokenizer type[^\n]*\n$/);
    expect((await run("detokenize", `--tokenizer=${neoxVocabGgufPath}`, "--ids=[12092,1533]")).out).toBe("Hello world");
  });
});
