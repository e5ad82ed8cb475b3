import {describe, expect, it} from "vitest";
import {fuzzStrings} from "../../../test/tokenizer/fuzz-strings.js";
import {splitGpt2} from "./gpt2-split.js";
import {WHITE_SPACE_CLASS_BODY} from "./unicode-class.js";
import {toWellFormed} from "./well-formed.js";

/** GPT-2's regex as Oniguruma reads it: `\s` is Unicode White_Space. */
const W = WHITE_SPACE_CLASS_BODY;
const REFERENCE = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${W}\\p{L}\\p{N}]+|[${W}]+(?![^${W}])|[${W}]+`, "gu");

function words(text: string): string[] {
  const ends = new Int32Array(text.length);
  const count = splitGpt2(text, 0, text.length, ends);
  return Array.from(ends.subarray(0, count), (end, k) => text.slice(k === 0 ? 0 : ends[k - 1], end));
}

describe("splitGpt2", () => {
  it("splits as GPT-2's regex does, with Oniguruma's white space (NEL is space, BOM is not)", () => {
    expect(words("Hello world")).toEqual(["Hello", " world"]);
    expect(words("\n\n## Summary\n\n")).toEqual(["\n", "\n", "##", " Summary", "\n\n"]);
    expect(words("don't I'M we'll")).toEqual(["don", "'t", " I", "'", "M", " we", "'ll"]);
    expect(words("x\u0085 y")).toEqual(["x", "\u0085", " y"]);
    expect(words(" \ufeffx")).toEqual([" \ufeff", "x"]);
    expect(words("a   b")).toEqual(["a", "  ", " b"]);
    expect(words("3.14 😀!")).toEqual(["3", ".", "14", " 😀!"]);
  });

  it("agrees with the reference regex on 3,000 generated strings", () => {
    // The tokenizer hands the splitter well-formed text only (lone surrogates already U+FFFD).
    const strings = fuzzStrings(3000, 99).map(toWellFormed);
    const differing = strings.filter((text) => JSON.stringify(words(text)) !== JSON.stringify(text.match(REFERENCE) ?? []));
    expect(differing.slice(0, 3)).toEqual([]);
  });

  it("splits a stretch inside a longer text without reading past its end", () => {
    const text = "ab cd's ef";
    const ends = new Int32Array(text.length);
    const count = splitGpt2(text, 3, 6, ends);
    expect(Array.from(ends.subarray(0, count))).toEqual([5, 6]);
  });
});
