import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {fuzzStrings} from "../../../test/tokenizer/fuzz-strings.js";
import {llamaTokenizerJson} from "../../../test/tokenizer/llama-tokenizer-json.js";
import {offsetsRoundTripProblem} from "../../../test/tokenizer/rust-oracle.js";
import {gpt2VocabGgufPath, neoxTokenizerPath, neoxVocabGgufPath, tinyLlamaPath} from "../../../test/support/shared.js";
import {UnknownTokenIdError} from "../tokenizer-errors.js";
import {loadTokenizer, type Tokenizer} from "../index.js";

/** Strings on which llama.cpp (this GGUF has no pre-tokenizer type, so llama.cpp uses its default) and HF agree. */
const AGREEING = [
  "osed", "ised", "================", "ED", "sec", " come", "34", " There", " light", " associ", "gram", " old",
  "The quick brown fox jumps over the lazy dog.", "Hello, world! How are you today?", "<human>: What is AI?\n<bot>: AI is",
  "   indented   text   ", "Line one\nLine two\n", "中文文本和日本語", "emoji 😀👍🏽 test", "e-mail: someone@example.com",
  "tab\there", "  two leading", "trailing  ", "\t\tindent", "a\n\nb", "a\n\n\nb", "   three", " ".repeat(30) + "x",
  "Hello<|endoftext|>World<|padding|>!", "x\u0085y", "naïve façade", "Ελληνικά Русский"
];

/**
 * Where llama.cpp's ids differ from HF's on this GGUF (found by the fuzz comparison below; most generated strings
 * differ). Kept as pinned facts: the GGUF backend gives what llama.cpp feeds the model, which is what generation
 * uses, and these differences are the GGUF file's (it lacks `tokenizer.ggml.pre`), not ours.
 */
const KNOWN_DIFFERENCES: readonly {text: string; why: string; hf: number[]; llamaCpp: number[]}[] = [
  {text: "don't", why: "contractions are not split off", hf: [9903, 626], llamaCpp: [9903, 8, 85]},
  {text: "\n\n## Summary\n\n", why: "a newline run before a word stays whole", hf: [187, 187, 817, 18435, 535], llamaCpp: [535, 817, 18435, 535]},
  {text: "cafe\u0301", why: "no NFC normalization", hf: [68, 2320, 860], llamaCpp: [6357, 453, 136, 212]},
  {text: "x * 2", why: "a space before punctuation or digits is its own token", hf: [89, 475, 374], llamaCpp: [89, 209, 11, 209, 19]},
  {text: "12345", why: "digits are split differently", hf: [42594], llamaCpp: [10683, 1857]},
  {text: " {#", why: "the FAQ's id 1712 needs HF's pre-tokenizer", hf: [1712], llamaCpp: [209, 92, 4]}
];

describe.skipIf(neoxVocabGgufPath === undefined || neoxTokenizerPath === undefined)("GGUF vocabulary through llama.cpp: GPT-NeoX", () => {
  let gguf: Tokenizer;
  let hf: Tokenizer;
  beforeAll(async () => {
    gguf = await loadTokenizer(neoxVocabGgufPath!);
    hf = await loadTokenizer(neoxTokenizerPath!);
  });
  afterAll(() => gguf?.dispose());

  it("reads the vocabulary, special tokens and context length from the GGUF", () => {
    expect(gguf.backend).toBe("llama.cpp");
    expect(gguf.vocabSize).toBe(50432);
    expect([gguf.eosTokenId, gguf.eosToken, gguf.bosTokenId]).toEqual([0, "<|endoftext|>", 0]);
    expect(gguf.specialTokens).toEqual([
      {id: 0, content: "<|endoftext|>"},
      {id: 1, content: "<|padding|>"}
    ]);
    expect(gguf.modelMaxLength).toBe(2048);
    expect(gguf.warnings.join("\n")).toContain("missing pre-tokenizer type");
    expect(gguf.warnings.join("\n")).not.toContain("token_embd");
  });

  it("agrees with the tokenizer.json backend on ordinary text and the FAQ's ids", () => {
    for (const text of AGREEING) expect(gguf.encode(text), JSON.stringify(text)).toEqual(hf.encode(text));
  });

  it("differs from HF where llama.cpp's default pre-tokenizer and missing NFC say so", () => {
    for (const {text, hf: hfIds, llamaCpp} of KNOWN_DIFFERENCES) {
      expect(hf.encode(text), JSON.stringify(text)).toEqual(hfIds);
      expect(gguf.encode(text), JSON.stringify(text)).toEqual(llamaCpp);
    }
  });

  it("decodes its own ids back to the text, and its offsets round-trip, on 300 generated strings", () => {
    for (const text of fuzzStrings(300, 42)) {
      const wellFormed = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
      const {ids, offsets} = gguf.encodeWithOffsets(text);
      expect(gguf.decode(ids), JSON.stringify(text)).toBe(wellFormed);
      expect(offsetsRoundTripProblem(gguf, text, ids, offsets, {nfc: false, ignoreWhiteSpace: false}), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("keeps special-token text literal when asked, and refuses unknown ids", () => {
    expect(gguf.encode("a<|endoftext|>b")).toContain(0);
    expect(gguf.encode("a<|endoftext|>b", {recognizeSpecialTokens: false})).not.toContain(0);
    expect(gguf.decode([12092, 0], {skipSpecialTokens: true})).toBe("Hello");
    expect(() => gguf.decode([50432])).toThrow(UnknownTokenIdError);
  });
});

describe.skipIf(tinyLlamaPath === undefined)("GGUF vocabulary through llama.cpp: Llama 2 (SentencePiece)", () => {
  let llama: Tokenizer;
  beforeAll(async () => {
    llama = await loadTokenizer(tinyLlamaPath!);
  });
  afterAll(() => llama?.dispose());

  it("adds BOS as the model asks, and decodes like HF's Llama tokenizer", () => {
    expect([llama.bosTokenId, llama.bosToken, llama.eosTokenId, llama.eosToken]).toEqual([1, "<s>", 2, "</s>"]);
    expect(llama.encode("Hello world")).toEqual([1, 15043, 3186]);
    expect(llama.encode("Hello world", {addSpecialTokens: false})).toEqual([15043, 3186]);
    expect(llama.decode([1, 15043, 3186], {skipSpecialTokens: true})).toBe("Hello world");
    expect(llama.decode([1, 15043, 3186])).toBe("<s> Hello world");
    expect(llama.modelMaxLength).toBe(4096);
  });

  it("gives BOS an empty span and the dummy prefix space no width", () => {
    expect(llama.encodeWithOffsets("Hello world")).toEqual({ids: [1, 15043, 3186], offsets: [[0, 0], [0, 5], [5, 11]]});
    expect(llama.encodeWithOffsets("héllo 😀").offsets).toEqual([[0, 0], [0, 1], [1, 3], [3, 5], [5, 6], [6, 8], [6, 8], [6, 8], [6, 8]]);
  });

  it("gives the same ids as its vocabulary converted to tokenizer.json on our SentencePiece path (1,000 strings)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2ogpt-llama-gguf-"));
    try {
      const file = join(dir, "tokenizer.json");
      writeFileSync(file, JSON.stringify(await llamaTokenizerJson(tinyLlamaPath!)));
      const converted = await loadTokenizer(file);
      expect(converted.backend).toBe("fast-bpe");
      const differing = fuzzStrings(1000, 4).filter((text) => JSON.stringify(llama.encode(text)) !== JSON.stringify(converted.encode(text)));
      expect(differing.slice(0, 3)).toEqual([]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it("round-trips offsets (up to the inserted prefix space) on 200 generated strings", () => {
    for (const text of fuzzStrings(200, 8)) {
      const {ids, offsets} = llama.encodeWithOffsets(text, {addSpecialTokens: false});
      expect(offsetsRoundTripProblem(llama, text, ids, offsets, {nfc: false, ignoreWhiteSpace: true}), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe.skipIf(gpt2VocabGgufPath === undefined)("GGUF vocabulary through llama.cpp: GPT-2", () => {
  it("gives GPT-2's ids", async () => {
    const gpt2 = await loadTokenizer(gpt2VocabGgufPath!);
    try {
      expect(gpt2.encode("Hello world")).toEqual([15496, 995]);
      expect(gpt2.encode("<|endoftext|>")).toEqual([50256]);
      expect(gpt2.eosTokenId).toBe(50256);
      expect(gpt2.warnings).toEqual([]);
    } finally {
      await gpt2.dispose();
    }
  });
});
