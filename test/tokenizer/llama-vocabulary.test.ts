import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {loadTokenizer, type Tokenizer} from "../../src/tokenizer/index.js";
import {tinyLlamaPath} from "../support/shared.js";
import {fuzzStrings} from "./fuzz-strings.js";
import {llamaTokenizerJson} from "./llama-tokenizer-json.js";
import {offsetsRoundTripProblem, RustTokenizer} from "./rust-oracle.js";

/** The real Llama 2 vocabulary (from the GGUF fixture, converted as transformers does) on our SentencePiece path. */
describe.skipIf(tinyLlamaPath === undefined)("Llama 2 tokenizer.json (converted from the GGUF fixture) against HF's Rust tokenizers", () => {
  let dir: string;
  let ours: Tokenizer;
  let rust: RustTokenizer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-llama-json-"));
    const file = join(dir, "tokenizer.json");
    writeFileSync(file, JSON.stringify(await llamaTokenizerJson(tinyLlamaPath!)));
    ours = await loadTokenizer(file);
    rust = RustTokenizer.fromFile(file);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("is taken by the fast path and gives Llama 2's ids", () => {
    expect(ours.backend).toBe("fast-bpe");
    expect(ours.encode("Hello world")).toEqual([1, 15043, 3186]);
    expect([ours.bosTokenId, ours.eosTokenId, ours.vocabSize]).toEqual([1, 2, 32000]);
  });

  it("gives Rust's ids and decoded text, and offsets that round-trip, on 1,000 generated strings", async () => {
    const mismatches: string[] = [];
    for (const text of fuzzStrings(1000, 77)) {
      const expected = (await rust.encode(text)).getIds();
      const {ids} = ours.encodeWithOffsets(text);
      if (JSON.stringify(ids) !== JSON.stringify(expected)) mismatches.push(`${JSON.stringify(text)}: ids differ`);
      else if (ours.decode(ids) !== (await rust.decode(expected, false))) mismatches.push(`${JSON.stringify(text)}: decode differs`);
      const plain = ours.encodeWithOffsets(text, {addSpecialTokens: false});
      const problem = offsetsRoundTripProblem(ours, text, plain.ids, plain.offsets, {nfc: false, ignoreWhiteSpace: true});
      if (problem) mismatches.push(`${JSON.stringify(text)}: ${problem}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
