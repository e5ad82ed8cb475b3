import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {loadTokenizer, type Tokenizer} from "../../src/tokenizer/index.js";
import {fuzzStrings} from "./fuzz-strings.js";
import {sentencePieceBpeJson} from "./llama-tokenizer-json.js";
import {offsetsRoundTripProblem, RustTokenizer} from "./rust-oracle.js";

/**
 * Llama-2-style tokenizer.json files (SentencePiece converted to BPE: "▁" for spaces, a prepended "▁", byte
 * fallback, a BOS template), generated here. Our SentencePiece fast path and the @huggingface/tokenizers
 * backend must both give Rust's ids and decoded text, and offsets that round-trip.
 */

const SPACE = "\u2581";
const MERGES: readonly (readonly [string, string])[] = [
  [SPACE, "t"], ["h", "e"], [SPACE + "t", "he"], ["i", "n"], [SPACE, "a"], ["e", "r"], ["o", "n"], ["r", "e"],
  [SPACE, "w"], ["l", "l"], ["o", "r"], [SPACE, "s"], ["in", "g"], ["e", "d"], [SPACE + "w", "or"], ["l", "d"],
  [SPACE + "wor", "ld"], ["H", "e"], ["He", "ll"], ["Hell", "o"], [SPACE, "c"], ["a", "f"], [SPACE, SPACE], ["i", "s"],
  [SPACE, "H"], ["e", "ll"], [SPACE + "H", "ell"], ["<0xE4>", "<0xB8>"]
];

interface Variant {
  readonly byteFallback?: boolean;
  /** Merges that join across a "▁" (so text cannot be cut into words). */
  readonly crossingMerges?: boolean;
  /** A normalized, non-special added token. */
  readonly addedWord?: boolean;
}

function sentencePieceJson(variant: Variant): object {
  const vocab: Record<string, number> = {"<unk>": 0, "<s>": 1, "</s>": 2};
  const add = (token: string) => (vocab[token] ??= Object.keys(vocab).length);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  for (const char of `${SPACE}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-中文é`) add(char);
  const merges = [...MERGES, ...(variant.crossingMerges ? ([["d", SPACE + "w"], ["o", SPACE]] as const) : [])];
  for (const [left, right] of merges) add(left + right);
  const added = (id: number, content: string, special: boolean) => ({id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special});
  const addedTokens = [added(0, "<unk>", true), added(1, "<s>", true), added(2, "</s>", true)];
  if (variant.addedWord) addedTokens.push(added(Object.keys(vocab).length, "cafe", false));
  return sentencePieceBpeJson({vocab, merges: merges.map(([left, right]) => `${left} ${right}`), addedTokens, byteFallback: variant.byteFallback});
}

async function mismatchesWithRust(ours: Tokenizer, rust: RustTokenizer, strings: readonly string[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const text of strings) {
    const expected = (await rust.encode(text)).getIds();
    const ids = ours.encode(text);
    if (JSON.stringify(ids) !== JSON.stringify(expected)) mismatches.push(`${JSON.stringify(text)}: ${JSON.stringify(ids)} != ${JSON.stringify(expected)}`);
    else if (ours.decode(ids) !== (await rust.decode(expected, false))) mismatches.push(`${JSON.stringify(text)}: decode differs`);
    else if (ours.decode(ids, {skipSpecialTokens: true}) !== (await rust.decode(expected, true))) mismatches.push(`${JSON.stringify(text)}: decode (skip) differs`);
  }
  return mismatches;
}

/** Texts that hold characters the vocabulary cannot spell (no byte fallback) decode to <unk> and are skipped. */
function roundTripProblems(ours: Tokenizer, strings: readonly string[]): string[] {
  return strings.flatMap((text) => {
    const {ids, offsets} = ours.encodeWithOffsets(text, {addSpecialTokens: false});
    if (ids.includes(0)) return [];
    const problem = offsetsRoundTripProblem(ours, text, ids, offsets, {nfc: false, ignoreWhiteSpace: true});
    return problem === undefined ? [] : [`${JSON.stringify(text)}: ${problem}`];
  });
}

const EXTRAS = ["Hello world", "the cafe is in", "中文 é 😀", "cafe café", "  two  spaces ", "", " ", "<s>hi</s>", "old world"];
const VARIANTS: Readonly<Record<string, Variant>> = {
  "Llama 2 layout": {},
  "no byte fallback (unknown characters fused)": {byteFallback: false},
  "merges across words, a normalized added token": {crossingMerges: true, addedWord: true}
};

describe("SentencePiece-style BPE tokenizer.json against HF's Rust tokenizers", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-spm-"));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  async function load(name: string, variant: Variant, backend?: "huggingface-tokenizers") {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(sentencePieceJson(variant)));
    return {ours: await loadTokenizer(file, {backend}), rust: RustTokenizer.fromFile(file)};
  }

  for (const [name, variant] of Object.entries(VARIANTS)) {
    it(`fast path, ${name}: Rust's ids and decoded text, offsets that round-trip`, async () => {
      const {ours, rust} = await load(name, variant);
      expect(ours.backend).toBe("fast-bpe");
      const strings = [...EXTRAS, ...fuzzStrings(400, name.length)];
      expect((await mismatchesWithRust(ours, rust, strings)).slice(0, 5)).toEqual([]);
      expect(roundTripProblems(ours, strings).slice(0, 5)).toEqual([]);
    });
  }

  it("fast path: BOS and the prepended '▁' get empty spans", async () => {
    const {ours} = await load("spans", {});
    // "▁Hello" is not in this vocabulary, so the prepended "▁" is a token of its own, standing for no text.
    const {ids, offsets} = ours.encodeWithOffsets("Hello world");
    expect(ours.decode(ids.slice(2, 3))).toBe("Hello");
    expect(offsets).toEqual([[0, 0], [0, 0], [0, 5], [5, 11]]);
    expect([ours.bosTokenId, ours.eosTokenId]).toEqual([1, 2]);
  });

  it("@huggingface/tokenizers backend: Rust's ids and decoded text, offsets that round-trip", async () => {
    const {ours, rust} = await load("library", {}, "huggingface-tokenizers");
    expect(ours.backend).toBe("huggingface-tokenizers");
    const strings = [...EXTRAS, ...fuzzStrings(300, 31)];
    expect((await mismatchesWithRust(ours, rust, strings)).slice(0, 5)).toEqual([]);
    expect(roundTripProblems(ours, strings).slice(0, 5)).toEqual([]);
  });
});
