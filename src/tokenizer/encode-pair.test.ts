import {mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Tokenizer as RustTokenizer} from "tokenizers";
import {afterAll, describe, expect, it} from "vitest";
import {scoreTokenizerJson} from "../../test/support/score-model.js";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {mulberry32} from "../util/index.js";
import {loadPairEncoder, type PairEncoder, truncatedLengths} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "encode-pair-"));
const WORDS = "What is the reward model ? It scores answers , playing well . h2oGPT runs on a CPU in half an hour ; Unknown Zebra 42 don't ... ( yes ) café [SEP] <|endoftext|>".split(" ");

function randomWords(random: () => number, count: number): string[] {
  return Array.from({length: count}, () => WORDS[Math.floor(random() * WORDS.length)]!);
}

function randomText(random: () => number): string {
  return randomWords(random, Math.floor(random() * (random() < 0.3 ? 60 : 12))).join(random() < 0.1 ? "  " : " ");
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Case {
  readonly first: string;
  readonly second: string | undefined;
  readonly maxLength: number | undefined;
}

/**
 * Random pairs, a third of them long texts under a small budget (both texts cut, odd and even budgets), some of
 * them a text paired with itself or with its words reordered (equally long, often cut at the same word).
 */
function cases(random: () => number, count: number): Case[] {
  return Array.from({length: count}, (_, i): Case => {
    switch (i % 3) {
      case 0: {
        const second = random() < 0.1 ? undefined : randomText(random);
        return {first: randomText(random), second, maxLength: random() < 0.2 ? undefined : 6 + Math.floor(random() * 40)};
      }
      case 1: {
        const first = randomWords(random, 10 + Math.floor(random() * 40));
        const second = random() < 0.3 ? first.join(" ") : random() < 0.5 ? shuffled(first, random).join(" ") : randomWords(random, 10 + Math.floor(random() * 40)).join(" ");
        return {first: first.join(" "), second, maxLength: 4 + Math.floor(random() * 30)};
      }
      default:
        return {first: randomWords(random, 5 + Math.floor(random() * 30)).join(" "), second: randomWords(random, 5 + Math.floor(random() * 30)).join(" "), maxLength: 4 + Math.floor(random() * 16)};
    }
  });
}

function writeTokenizer(name: string, json: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

const wordpiece = scoreTokenizerJson("wordpiece").json as Record<string, unknown>;
const variants: Record<string, () => object> = {
  "wordpiece template": () => wordpiece,
  "deberta-v3-like unigram": () => scoreTokenizerJson("unigram").json,
  "bert processing": () => ({...wordpiece, post_processor: {type: "BertProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2]}}),
  "roberta processing": () => ({...wordpiece, post_processor: {type: "RobertaProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2], trim_offsets: true, add_prefix_space: false}}),
  "sequence of byte-level and template": () => ({...wordpiece, post_processor: {type: "Sequence", processors: [{type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false}, wordpiece.post_processor]}}),
  "no post-processor": () => ({...wordpiece, post_processor: null})
};
if (neoxTokenizerPath !== undefined) {
  const neox = neoxTokenizerPath;
  const eos = {SpecialToken: {id: "<|endoftext|>", type_id: 0}};
  variants["gpt-neox byte-level BPE with a template"] = () => ({
    ...JSON.parse(readFileSync(neox, "utf8")),
    post_processor: {
      type: "TemplateProcessing",
      single: [{Sequence: {id: "A", type_id: 0}}, eos],
      pair: [{Sequence: {id: "A", type_id: 0}}, eos, {Sequence: {id: "B", type_id: 1}}, {SpecialToken: {id: "<|endoftext|>", type_id: 1}}],
      special_tokens: {"<|endoftext|>": {id: "<|endoftext|>", ids: [0], tokens: ["<|endoftext|>"]}}
    }
  });
}

const encoders: PairEncoder[] = [];
afterAll(async () => {
  for (const encoder of encoders) await encoder.dispose();
});

describe("encodePair equals HF Rust tokenizers", () => {
  for (const [name, json] of Object.entries(variants)) {
    it(`${name}: 360 random pairs, many with both texts cut`, async () => {
      const path = writeTokenizer(name.replace(/\W+/g, "-"), json());
      const ours = await loadPairEncoder(path);
      encoders.push(ours);
      const rust = RustTokenizer.fromFile(path);
      const whole = RustTokenizer.fromFile(path);
      const length = async (text: string) => (await whole.encode(text, null, {addSpecialTokens: false})).getIds().length;
      let bothCut = 0;
      let bothCutOdd = 0;
      for (const {first, second, maxLength} of cases(mulberry32(12), 360)) {
        if (maxLength === undefined) rust.disableTruncation();
        else rust.setTruncation(maxLength);
        const expected = await rust.encode(first, second ?? null);
        const actual = ours.encodePair(first, second, {maxLength});
        const where = JSON.stringify({first, second, maxLength});
        expect(actual.inputIds, where).toEqual(expected.getIds());
        expect(actual.tokenTypeIds, where).toEqual(expected.getTypeIds());
        expect(actual.attentionMask, where).toEqual(expected.getAttentionMask());
        const kept = (index: number) => expected.getSequenceIds().filter((id) => id === index).length;
        if (second !== undefined && kept(0) < (await length(first)) && kept(1) < (await length(second))) {
          bothCut++;
          if ((kept(0) + kept(1)) % 2 === 1) bothCutOdd++;
        }
      }
      // The cases must keep exercising the split HF makes when both texts are cut, with odd and even budgets.
      expect(bothCut).toBeGreaterThanOrEqual(200);
      expect(bothCutOdd).toBeGreaterThanOrEqual(100);
    });
  }
});

describe("truncatedLengths", () => {
  it("keeps the shorter sequence whole when the longer can give up enough", () => {
    expect(truncatedLengths(10, 3, 8)).toEqual([5, 3]);
    expect(truncatedLengths(3, 10, 8)).toEqual([3, 5]);
  });
  it("equals the Rust crate's own test table (long 8, medium 4, short 2 ids; max_length 7)", () => {
    const sizes = {empty: 0, short: 2, medium: 4, long: 8};
    const table: [keyof typeof sizes, keyof typeof sizes, number, number][] = [
      ["empty", "long", 0, 7], ["short", "long", 2, 5], ["medium", "medium", 3, 4], ["medium", "long", 3, 4],
      ["long", "empty", 7, 0], ["long", "short", 5, 2], ["long", "medium", 4, 3], ["long", "long", 3, 4]
    ];
    for (const [a, b, keepA, keepB] of table) expect(truncatedLengths(sizes[a], sizes[b], 7), `${a} ${b}`).toEqual([keepA, keepB]);
  });
});
