import {mulberry32} from "../../src/util/index.js";

/**
 * A seeded generator of hard strings for differential tests: white space of every kind, CJK, emoji with ZWJ
 * and skin tones, BOM and NEL, combining marks and NFC singletons, code, contractions in every case,
 * special-token text and fragments of it, control characters, RTL and Indic scripts, lone surrogates.
 */

const FRAGMENTS: Readonly<Record<string, readonly string[]>> = {
  whitespace: [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\v", "\f", "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\u1680", "\u2002", "\u200a", "\u202f", "\u205f", "\u200b", "\u180e", "\x1c", "\x1d", "\x1e", "\x1f"],
  bom: ["\ufeff", "\ufeff'", "\ufeff're", " \ufeff", "\u0085's"],
  cjk: ["中文", "日本語の文章", "한국어", "漢字かなカナ", "\u1100\u1161\u11a8", "\u1100\u1161", "각\u11a8", "，", "。"],
  emoji: ["😀", "👩‍👩‍👧", "🏳️‍🌈", "👍🏽", "❤️", "🇫🇷", "🤖x", "👨‍💻"],
  combining: ["e\u0301", "a\u0308\u0301", "\u0301", "o\u0323\u0302", "\u212b", "\u2126", "\uf900", "A\u030a", "\u0344", "café", "naïve", "\u1e9b\u0323"],
  code: ["function f(x) { return x * 2; }", "if (a && b) {\n\treturn;\n}", "#include <stdio.h>", "x += 1;", "'''", '"""doc"""', "=====", "----", "def __init__(self):", "console.log(`${a}`)", "<div class=\"x\">", "a_b-c.d/e\\f", "0x1F", "i++", "{#", " {#"],
  contractions: ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'RE", "'Ll", "'VE", "n't", "I'm", "don't", "we'll", "they'RE", "' s", "''s", "?'s"],
  special: ["<|endoftext|>", "<|padding|>", "<|endoftext", "|>", "<|", "<|endoftext|><|endoftext|>", " <|endoftext|> ", "<s>", "</s>"],
  control: ["\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\x08", "\u0080", "\u009f"],
  words: ["Hello", "world", "the", "The", "osed", "ised", "================", "ED", "sec", "come", "34", "There", "light", "associ", "gram", "old", "Summary", "##", "12345", "3.14", "1,000", "²", "½", "٣٤", "Ⅻ", "x²", "ﬁ"],
  scripts: ["שלום", "مرحبا", "नमस्ते", "தமிழ்", "Ελληνικά", "Русский", "ไทย", "ᚠᛇᚻ"],
  surrogates: ["\ud800", "\udfff", "a\ud83db", "\ude00x"]
};
const CATEGORIES = Object.keys(FRAGMENTS);

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function runOf(random: () => number): string {
  const unit = pick(random, [" ", "\n", "\t", "a", "ab", "=", "\u00a0", "é"]);
  return unit.repeat(1 + Math.floor(random() * (random() < 0.2 ? 200 : 40)));
}

/** `count` strings; the same seed always gives the same strings. */
export function fuzzStrings(count: number, seed: number): string[] {
  const random = mulberry32(seed);
  const strings: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const length = 1 + Math.floor(random() * 10);
    for (let k = 0; k < length; k++) {
      if (random() < 0.08) parts.push(runOf(random));
      else parts.push(pick(random, FRAGMENTS[pick(random, CATEGORIES)]!));
      if (random() < 0.4) parts.push(pick(random, [" ", "", "\n", "  "]));
    }
    strings.push(parts.join(""));
  }
  return strings;
}
