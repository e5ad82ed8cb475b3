import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {loadTokenizer, type Tokenizer} from "../../src/tokenizer/index.js";
import {fuzzStrings} from "./fuzz-strings.js";
import {offsetsRoundTripProblem, RustTokenizer} from "./rust-oracle.js";

/**
 * A Llama-2-style tokenizer.json (SentencePiece converted to BPE: `▁` for spaces, a prepended `▁`, byte
 * fallback, a BOS template), generated here, which our fast path leaves to the @huggingface/tokenizers backend.
 * The backend must give Rust's ids and decoded text, and offsets that round-trip.
 */

const SPACE = "\u2581";
const MERGES = [
  [SPACE, "t"], ["h", "e"], [SPACE + "t", "he"], ["i", "n"], [SPACE, "a"], ["e", "r"], ["o", "n"], ["r", "e"],
  [SPACE, "w"], ["l", "l"], ["o", "r"], [SPACE, "s"], ["in", "g"], ["e", "d"], [SPACE + "w", "or"], ["l", "d"],
  [SPACE + "wor", "ld"], ["H", "e"], ["He", "ll"], ["Hell", "o"], [SPACE, "c"], ["a", "f"], [SPACE, SPACE], ["i", "s"]
] as const;

function sentencePieceJson(): object {
  const vocab: Record<string, number> = {"<unk>": 0, "<s>": 1, "</s>": 2};
  const add = (token: string) => (vocab[token] ??= Object.keys(vocab).length);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  for (const char of `${SPACE}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-中文é`) add(char);
  for (const [left, right] of MERGES) add(left + right);
  const special = (id: number, content: string) => ({id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true});
  return {
    version: "1.0",
    added_tokens: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
    normalizer: {type: "Sequence", normalizers: [{type: "Prepend", prepend: SPACE}, {type: "Replace", pattern: {String: " "}, content: SPACE}]},
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{SpecialToken: {id: "<s>", type_id: 0}}, {Sequence: {id: "A", type_id: 0}}],
      pair: [{SpecialToken: {id: "<s>", type_id: 0}}, {Sequence: {id: "A", type_id: 0}}, {Sequence: {id: "B", type_id: 1}}],
      special_tokens: {"<s>": {id: "<s>", ids: [1], tokens: ["<s>"]}}
    },
    decoder: {
      type: "Sequence",
      decoders: [
        {type: "Replace", pattern: {String: SPACE}, content: " "},
        {type: "ByteFallback"},
        {type: "Fuse"},
        {type: "Strip", content: " ", start: 1, stop: 0}
      ]
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges: MERGES.map(([left, right]) => `${left} ${right}`)
    }
  };
}

describe("SentencePiece-style BPE tokenizer.json (the @huggingface/tokenizers backend) against HF's Rust tokenizers", () => {
  let dir: string;
  let ours: Tokenizer;
  let rust: RustTokenizer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-spm-"));
    const file = join(dir, "tokenizer.json");
    writeFileSync(file, JSON.stringify(sentencePieceJson()));
    ours = await loadTokenizer(file);
    rust = RustTokenizer.fromFile(file);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("is handled by the library backend, which says why", () => {
    expect(ours.backend).toBe("huggingface-tokenizers");
    expect((ours as unknown as {fallbackReason: string}).fallbackReason).toContain("normalizer");
    expect([ours.bosTokenId, ours.eosTokenId]).toEqual([1, 2]);
  });

  it("gives Rust's ids (BOS, merges, byte fallback) and decoded text on 400 generated strings", async () => {
    const strings = ["Hello world", "the cafe is in", "中文 é 😀", ...fuzzStrings(400, 31)];
    const mismatches: string[] = [];
    for (const text of strings) {
      const expected = (await rust.encode(text)).getIds();
      const ids = ours.encode(text);
      if (JSON.stringify(ids) !== JSON.stringify(expected)) mismatches.push(`${JSON.stringify(text)}: ${JSON.stringify(ids)} != ${JSON.stringify(expected)}`);
      else if (ours.decode(ids) !== (await rust.decode(expected, false))) mismatches.push(`${JSON.stringify(text)}: decode differs`);
      else if (ours.decode(ids, {skipSpecialTokens: true}) !== (await rust.decode(expected, true))) mismatches.push(`${JSON.stringify(text)}: decode (skip) differs`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("gives BOS an empty span and offsets that round-trip up to the inserted spaces", () => {
    // "▁Hello" is not in this vocabulary, so the prepended "▁" is a token of its own, standing for no text.
    expect(ours.encodeWithOffsets("Hello world")).toEqual({ids: [1, 259, 350, 347], offsets: [[0, 0], [0, 0], [0, 5], [5, 11]]});
    for (const text of fuzzStrings(200, 32)) {
      const {ids, offsets} = ours.encodeWithOffsets(text, {addSpecialTokens: false});
      expect(offsetsRoundTripProblem(ours, text, ids, offsets, {nfc: false, ignoreWhiteSpace: true}), JSON.stringify(text)).toBeUndefined();
    }
  });
});
