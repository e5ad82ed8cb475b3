import {describe, expect, it} from "vitest";
import {compileOnigurumaPattern, splitIsolated, translateOnigurumaPattern} from "./regex-split.js";

const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function split(pattern: string, text: string): string[] {
  const regex = compileOnigurumaPattern(pattern)!;
  const ends = new Int32Array(text.length + 1);
  const count = splitIsolated(regex, text, 0, text.length, ends);
  return Array.from(ends.subarray(0, count), (end, k) => text.slice(k === 0 ? 0 : ends[k - 1], end));
}

describe("Oniguruma patterns in JavaScript", () => {
  it("spells out case-insensitive groups and Unicode white space", () => {
    const source = translateOnigurumaPattern("(?i:'s|x)\\s+")!;
    expect(source.startsWith("(?:'[sS]|[xX])[")).toBe(true);
    expect(new RegExp(source, "u").test("'S\u0085")).toBe(true);
    expect(new RegExp(source, "u").test("'S\ufeff")).toBe(false);
  });

  it("refuses what JavaScript cannot express", () => {
    expect(translateOnigurumaPattern("\\p{L}++")).toBeUndefined();
    expect(translateOnigurumaPattern("(?>ab)")).toBeUndefined();
    expect(translateOnigurumaPattern("[^\\S]")).toBeUndefined();
    expect(translateOnigurumaPattern("\\Aab")).toBeUndefined();
    expect(translateOnigurumaPattern("[ab")).toBeUndefined();
  });

  it("splits with Llama 3's pattern: case-insensitive contractions, digits in threes", () => {
    expect(split(LLAMA3, "I'M here 12345\n\n  ok")).toEqual(["I", "'M", " here", " ", "123", "45", "\n\n", " ", " ok"]);
  });

  it("keeps the text between matches as words of their own (behavior Isolated)", () => {
    expect(split("\\d+", "ab12cd3")).toEqual(["ab", "12", "cd", "3"]);
  });
});
