import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {scoreTokenizerJson} from "../../test/support/score-model.js";
import {mulberry32} from "../util/index.js";
import type {TokenizerJson} from "./hf/tokenizer-json.js";
import {loadTokenizer, type Tokenizer} from "./index.js";
import {wordChunkEncoder} from "./word-chunk-encoder.js";
import {earlyExitLength, wordStarts} from "./word-starts.js";

const dir = mkdtempSync(join(tmpdir(), "word-chunks-"));
const tokenizers: Tokenizer[] = [];
afterAll(async () => {
  for (const tokenizer of tokenizers) await tokenizer.dispose();
  rmSync(dir, {recursive: true, force: true});
});

async function load(name: string, json: object): Promise<{json: TokenizerJson; tokenizer: Tokenizer}> {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(json));
  const tokenizer = await loadTokenizer(path);
  tokenizers.push(tokenizer);
  return {json: json as TokenizerJson, tokenizer};
}

const wordpiece = scoreTokenizerJson("wordpiece").json as Record<string, unknown>;

/** Pieces where a per-text pipeline could differ from a per-chunk one if it were not chunk-local. */
const PIECES = [
  "What", "is", "the", "reward", "model", "?", "playing", "well.", "h2oGPT", "CPU", "café", "CAFÉ", "e\u0301", "\u0301x",
  "ΟΔΟΣ", "ΣΑΣ", "σ", "中文", "中", "x中y", "\u00a0", "a\u00a0b", "\t", "a\tb", "\n", "a\r\nb", "\u0000", "a\u200bb", "\ufeff",
  "[SEP]", "x[SEP]y", "[MASK].", "[CLS][SEP]", "a[PAD]b", "\ud800", "a\udc00", "😀", "don't", "(yes)", "42", "3.14", "Zebra",
  "x".repeat(70), "y".repeat(120), "ab".repeat(40), ""
];

function randomText(random: () => number): string {
  const words = Array.from({length: Math.floor(random() * 40)}, () => PIECES[Math.floor(random() * PIECES.length)]!);
  let text = "";
  for (const word of words) text += word + (random() < 0.15 ? "  " : random() < 0.05 ? "   " : " ");
  return random() < 0.2 ? ` ${text}` : text.trimEnd();
}

describe("wordChunkEncoder", () => {
  it("equals the tokenizer's whole-text encoding for 200 random texts of awkward pieces, cold and then cached", async () => {
    const {json, tokenizer} = await load("wordpiece", wordpiece);
    const chunks = wordChunkEncoder(json, tokenizer);
    expect(chunks).toBeDefined();
    const random = mulberry32(21);
    const texts = Array.from({length: 200}, () => randomText(random));
    for (const pass of ["cold", "cached"]) {
      for (const text of texts) {
        const result = chunks!.encode(text);
        expect(result.complete).toBe(true);
        expect(result.ids, `${pass} ${JSON.stringify(text)}`).toEqual(tokenizer.encode(text, {addSpecialTokens: false}));
      }
    }
  });

  it("stops at a prefix of the whole ids that is enough: a count, or HF's early-exit word start", async () => {
    const {json, tokenizer} = await load("wordpiece-prefix", wordpiece);
    const chunks = wordChunkEncoder(json, tokenizer)!;
    const starts = wordStarts(json, tokenizer);
    const random = mulberry32(22);
    let stopped = 0;
    for (let i = 0; i < 200; i++) {
      const text = randomText(random);
      const whole = tokenizer.encode(text, {addSpecialTokens: false});
      const count = 1 + Math.floor(random() * 30);
      const byCount = chunks.encode(text, {count});
      expect(whole.slice(0, byCount.ids.length)).toEqual(byCount.ids);
      expect(byCount.complete ? byCount.ids.length === whole.length : byCount.ids.length >= count).toBe(true);
      const maxLength = 1 + Math.floor(random() * 30);
      const early = chunks.encode(text, {wordStartPast: maxLength, starts});
      expect(whole.slice(0, early.ids.length)).toEqual(early.ids);
      expect(earlyExitLength({text, ids: early.ids, maxLength, starts}), JSON.stringify({text, maxLength})).toBe(earlyExitLength({text, ids: whole, maxLength, starts}));
      if (!early.complete) stopped++;
    }
    expect(stopped).toBeGreaterThan(50);
  });

  it("stays exact when thousands of chunks share a hash (lookups give up after a few probes)", async () => {
    const {json, tokenizer} = await load("wordpiece-collide", wordpiece);
    const chunks = wordChunkEncoder(json, tokenizer)!;
    // Eight-character words that agree at every sampled position (0, 2, 4, 7) and differ elsewhere.
    const digits = "0123456789";
    const words: string[] = [];
    for (let n = 0; n < 4000; n++) words.push(`1${digits[n % 10]}2${digits[Math.floor(n / 10) % 10]}3${digits[Math.floor(n / 100) % 10]}${digits[Math.floor(n / 1000) % 10]}4`);
    const text = words.join(" ");
    for (let pass = 0; pass < 2; pass++) expect(chunks.encode(text).ids).toEqual(tokenizer.encode(text, {addSpecialTokens: false}));
  });

  it("is not offered where a pipeline is not chunk-local", async () => {
    const cases: Record<string, object> = {
      "Metaspace (DeBERTa-v3)": scoreTokenizerJson("unigram").json,
      "a Replace normalizer": {...wordpiece, normalizer: {type: "Replace", pattern: {Regex: " {2,}"}, content: " "}},
      "no pre-tokenizer": {...wordpiece, pre_tokenizer: null},
      "ByteLevel": {...wordpiece, pre_tokenizer: {type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true}},
      "an added token with a space": {
        ...wordpiece,
        added_tokens: [...(wordpiece.added_tokens as object[]), {id: 0, content: "two words", single_word: false, lstrip: false, rstrip: false, normalized: false, special: false}]
      },
      "fuse_unk": {...wordpiece, model: {...(wordpiece.model as object), fuse_unk: true}}
    };
    for (const [name, json] of Object.entries(cases)) {
      const loaded = await load(name.replace(/\W+/g, "-"), json);
      expect(wordChunkEncoder(loaded.json, loaded.tokenizer), name).toBeUndefined();
    }
  });
});
