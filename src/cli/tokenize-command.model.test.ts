import {PassThrough} from "node:stream";
import {describe, expect, it} from "vitest";
import {neoxVocabGgufPath} from "../../test/support/shared.js";
import {main} from "./main.js";

async function run(...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const io = {stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd(), signal: new AbortController().signal};
  return {code: await main(argv, io), out, err};
}

describe.skipIf(neoxVocabGgufPath === undefined)("h2ogpt tokenize / detokenize on a GGUF", () => {
  it("prints llama.cpp's ids, and its warnings about the file as one stderr line", async () => {
    const {code, out, err} = await run("tokenize", `--tokenizer=${neoxVocabGgufPath}`, "--text=Hello world");
    expect([code, out]).toEqual([0, "[12092,1533]\n"]);
    expect(err).toMatch(/^warning: llama\.cpp: missing pre-tokenizer type[^\n]*\n$/);
    expect((await run("detokenize", `--tokenizer=${neoxVocabGgufPath}`, "--ids=[12092,1533]")).out).toBe("Hello world");
  });
});
