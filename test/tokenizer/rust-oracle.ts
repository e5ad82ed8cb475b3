import {Tokenizer as RustTokenizer} from "tokenizers";
import type {Tokenizer} from "../../src/tokenizer/index.js";

/** HF's Rust tokenizers (npm `tokenizers`), the reference our tokenizers are held to. */
export {RustTokenizer};

/** UTF-16 index -> code point index (the Node binding reports offsets in code points). */
function codePointIndex(text: string): Int32Array {
  const map = new Int32Array(text.length + 1);
  let points = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = points;
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) map[++i] = points;
    points++;
  }
  map[text.length] = points;
  return map;
}

/**
 * Our untrimmed UTF-16 spans as HF reports them: in code points, and when `trimmed`, with the ByteLevel
 * post-processor's `trim_offsets` applied (leading and trailing spaces of each token string taken off its span).
 */
export function asHfOffsets(text: string, tokens: readonly string[], offsets: readonly (readonly [number, number])[], trimmed: boolean): [number, number][] {
  const points = codePointIndex(text);
  if (!trimmed) return offsets.map(([start, end]) => [points[start]!, points[end]!]);
  const isSpace = (char: string) => char === "\u0120" || /^\s$/u.test(char);
  return offsets.map(([start, end], i) => {
    let from = points[start]!;
    let to = points[end]!;
    const chars = [...tokens[i]!];
    const leading = chars.findIndex((char) => !isSpace(char));
    const lead = leading < 0 ? chars.length : leading;
    const trail = chars.length - 1 - chars.findLastIndex((char) => !isSpace(char));
    if (lead > 0) from = Math.min(from + lead, to);
    if (trail > 0 && to >= trail) to = Math.max(to - trail, from);
    return [from, to];
  });
}

/**
 * The offsets "round trip": spans start at 0, never go back, end at the text's end, and each group of tokens
 * whose spans overlap decodes to exactly the text it spans (its NFC form when the tokenizer normalizes; the
 * same up to white space when `ignoreWhiteSpace`). Returns a description of the first problem, or undefined.
 */
export function offsetsRoundTripProblem(
  tokenizer: Tokenizer,
  text: string,
  ids: readonly number[],
  offsets: readonly (readonly [number, number])[],
  {nfc, ignoreWhiteSpace}: {nfc: boolean; ignoreWhiteSpace: boolean}
): string | undefined {
  const wellFormed = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  if (ids.length !== offsets.length) return `${ids.length} ids but ${offsets.length} offsets`;
  let groupStart = 0;
  let groupEnd = 0;
  let groupFirst = 0;
  const check = (last: number): string | undefined => {
    const decoded = tokenizer.decode(ids.slice(groupFirst, last));
    const slice = wellFormed.slice(groupStart, groupEnd);
    const expected = nfc ? slice.normalize("NFC") : slice;
    const same = ignoreWhiteSpace ? decoded.replace(/\s/gu, "") === expected.replace(/\s/gu, "") : decoded === expected;
    return same ? undefined : `tokens ${groupFirst}..${last - 1} decode to ${JSON.stringify(decoded)} but span [${groupStart}, ${groupEnd}) holds ${JSON.stringify(expected)}`;
  };
  for (let i = 0; i < offsets.length; i++) {
    const [start, end] = offsets[i]!;
    if (start > end || start < groupStart) return `span ${i} [${start}, ${end}) goes backwards`;
    if (i === 0 || start >= groupEnd) {
      if (i > 0) {
        if (start !== groupEnd) return `gap before token ${i}: [${groupEnd}, ${start})`;
        const problem = check(i);
        if (problem) return problem;
      }
      groupStart = start;
      groupFirst = i;
    }
    groupEnd = Math.max(groupEnd, end);
  }
  if (offsets.length > 0) {
    if (offsets[0]![0] !== 0) return `first span starts at ${offsets[0]![0]}`;
    if (groupEnd !== text.length) return `spans end at ${groupEnd}, text at ${text.length}`;
    return check(offsets.length);
  }
  return text === "" ? undefined : "no tokens for a non-empty text";
}
