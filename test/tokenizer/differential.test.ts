import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {loadTokenizer, type Tokenizer} from "../../src/tokenizer/index.js";
import {neoxTokenizerPath} from "../support/shared.js";
import {fuzzStrings} from "./fuzz-strings.js";
import {asHfOffsets, offsetsRoundTripProblem, RustTokenizer} from "./rust-oracle.js";

/**
 * Our tokenizers against HF's Rust `tokenizers` on generated strings: the same ids, the same (trimmed) offsets
 * where NFC leaves the text alone, the same decoded text, and offsets that round-trip to the text.
 */

interface Mismatch {
  readonly text: string;
  readonly problem: string;
}

interface CompareOptions {
  /** Compare offsets with Rust's and check they round-trip. */
  readonly offsets: boolean;
  /** The file's post-processor is ByteLevel with trim_offsets, so Rust trims spaces off spans. */
  readonly trimmed: boolean;
  /**
   * The file inserts text (ByteLevel's prefix space) or lets added tokens swallow white space (lstrip/rstrip):
   * round trips then hold up to white space, and a token made only of an inserted space has an empty span
   * where HF gives it the next character's (trimmed to nothing).
   */
  readonly whiteSpaceChanges?: boolean;
  /** The file's normalizer is NFC (default true). */
  readonly nfc?: boolean;
}

async function compare(ours: Tokenizer, rust: RustTokenizer, strings: readonly string[], options: CompareOptions): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const text of strings) {
    const expected = await rust.encode(text);
    const expectedIds = expected.getIds();
    const {ids, offsets} = ours.encodeWithOffsets(text);
    if (JSON.stringify(ids) !== JSON.stringify(expectedIds)) {
      mismatches.push({text, problem: `ids ${JSON.stringify(ids)} != Rust ${JSON.stringify(expectedIds)}`});
      continue;
    }
    if (JSON.stringify(ours.encode(text)) !== JSON.stringify(ids)) mismatches.push({text, problem: "encode and encodeWithOffsets differ"});
    const decoded = ours.decode(ids);
    const expectedText = await rust.decode(expectedIds, false);
    if (decoded !== expectedText) mismatches.push({text, problem: `decode ${JSON.stringify(decoded)} != Rust ${JSON.stringify(expectedText)}`});
    if (!options.offsets) continue;
    // Offsets of the text's own tokens: HF gives post-processor tokens (0, 0) even at the end, we give an
    // empty span where they stand.
    const plain = ours.encodeWithOffsets(text, {addSpecialTokens: false});
    if (text === text.normalize("NFC")) {
      const reference = await rust.encode(text, null, {addSpecialTokens: false});
      const hf = asHfOffsets(text, reference.getTokens(), plain.offsets, options.trimmed);
      const expectedOffsets = reference.getOffsets().map((span, i) => (options.whiteSpaceChanges && plain.offsets[i]![0] === plain.offsets[i]![1] ? hf[i]! : span));
      if (JSON.stringify(hf) !== JSON.stringify(expectedOffsets)) {
        mismatches.push({text, problem: `offsets ${JSON.stringify(hf)} != Rust ${JSON.stringify(reference.getOffsets())}`});
      }
    }
    const problem = offsetsRoundTripProblem(ours, text, plain.ids, plain.offsets, {
      nfc: options.nfc ?? true,
      ignoreWhiteSpace: options.whiteSpaceChanges ?? false
    });
    if (problem) mismatches.push({text, problem});
  }
  return mismatches;
}

function report(mismatches: readonly Mismatch[]): string {
  return mismatches
    .slice(0, 5)
    .map(({text, problem}) => `${JSON.stringify(text)}: ${problem}`)
    .join("\n");
}

describe.skipIf(neoxTokenizerPath === undefined)("GPT-NeoX-20B tokenizer.json against HF's Rust tokenizers", () => {
  const path = neoxTokenizerPath!;
  const rust = () => RustTokenizer.fromFile(path);

  it("fast BPE: identical ids, offsets and decoded text on 2,400 generated strings", async () => {
    const ours = await loadTokenizer(path);
    expect(ours.backend).toBe("fast-bpe");
    const mismatches = await compare(ours, rust(), fuzzStrings(2400, 20240601), {offsets: true, trimmed: true});
    expect(mismatches, report(mismatches)).toEqual([]);
  });

  it("@huggingface/tokenizers fallback (pre-tokenizer patched): identical ids on 600 generated strings", async () => {
    const ours = await loadTokenizer(path, {backend: "huggingface-tokenizers"});
    expect(ours.backend).toBe("huggingface-tokenizers");
    const mismatches = await compare(ours, rust(), fuzzStrings(600, 7), {offsets: false, trimmed: true});
    expect(mismatches, report(mismatches)).toEqual([]);
  });
});

/** NeoX's vocabulary under other byte-level pipelines, to exercise the parts NeoX's own file does not use. */
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

type Json = Record<string, any>;
const VARIANTS: Readonly<Record<string, (json: Json) => void>> = {
  "Llama 3 split pattern, BOS/EOS template, ignore_merges": (json) => {
    json.pre_tokenizer = {
      type: "Sequence",
      pretokenizers: [
        {type: "Split", pattern: {Regex: LLAMA3_PATTERN}, behavior: "Isolated", invert: false},
        {type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false}
      ]
    };
    json.model.ignore_merges = true;
    json.post_processor = {
      type: "TemplateProcessing",
      single: [{SpecialToken: {id: "<|endoftext|>", type_id: 0}}, {Sequence: {id: "A", type_id: 0}}, {SpecialToken: {id: "<|padding|>", type_id: 0}}],
      pair: [{Sequence: {id: "A", type_id: 0}}, {Sequence: {id: "B", type_id: 1}}],
      special_tokens: {
        "<|endoftext|>": {id: "<|endoftext|>", ids: [0], tokens: ["<|endoftext|>"]},
        "<|padding|>": {id: "<|padding|>", ids: [1], tokens: ["<|padding|>"]}
      }
    };
  },
  "ByteLevel add_prefix_space, added tokens with lstrip/rstrip/single_word, no normalizer": (json) => {
    json.normalizer = null;
    json.pre_tokenizer = {type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true};
    json.added_tokens.push(
      {id: 50277, content: "<mask>", single_word: false, lstrip: true, rstrip: true, normalized: false, special: true},
      // An added token already in the vocabulary keeps its vocabulary id, as HF assigns it.
      {id: 10186, content: "world", single_word: true, lstrip: false, rstrip: false, normalized: true, special: false},
      {id: 50278, content: "中文", single_word: false, lstrip: false, rstrip: false, normalized: true, special: false}
    );
  }
};

const VARIANT_EXTRAS = ["<mask>", " <mask> ", "a<mask>b", "world", "helloworld", "world!", " world ", "中文字"];

describe.skipIf(neoxTokenizerPath === undefined)("other byte-level configurations against HF's Rust tokenizers", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-tokenizer-variants-"));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  for (const [name, change] of Object.entries(VARIANTS)) {
    it(`${name}: identical ids, offsets and decoded text`, async () => {
      const json = JSON.parse(readFileSync(neoxTokenizerPath!, "utf8")) as Json;
      change(json);
      const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, JSON.stringify(json));
      const ours = await loadTokenizer(file);
      expect(ours.backend).toBe("fast-bpe");
      const random = fuzzStrings(500, name.length);
      const strings = [...VARIANT_EXTRAS, ...random.map((text, i) => (i % 3 === 0 ? `${text} ${VARIANT_EXTRAS[i % VARIANT_EXTRAS.length]}` : text))];
      const trimmed = json.post_processor?.type === "ByteLevel";
      const whiteSpaceChanges = json.pre_tokenizer.add_prefix_space === true;
      const nfc = json.normalizer?.type === "NFC";
      const mismatches = await compare(ours, RustTokenizer.fromFile(file), strings, {offsets: true, trimmed, whiteSpaceChanges, nfc});
      expect(mismatches, report(mismatches)).toEqual([]);
    });
  }
});
