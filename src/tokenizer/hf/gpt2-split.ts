import {charClass, SPACE} from "./unicode-class.js";

/**
 * GPT-2's pre-tokenizer, hand-written: the same words as the regex
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` with `\s` = Unicode White_Space,
 * several times faster than a JavaScript regex with Unicode property escapes.
 */

const APOSTROPHE = 0x27;
const SPACE_CHAR = 0x20;

/** Class of the code point at `i`, with ASCII answered from a table. */
function classAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0x80) return ASCII_CLASSES[unit]!;
  return charClass(unit >= 0xd800 && unit <= 0xdbff ? text.codePointAt(i)! : unit);
}

const ASCII_CLASSES = Uint8Array.from({length: 0x80}, (_, c) => charClass(c));

function unitLength(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  return unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
}

/** End of the run of characters of class `cls` starting at `i`. */
function runEnd(text: string, i: number, end: number, cls: number): number {
  while (i < end && classAt(text, i) === cls) i += unitLength(text, i);
  return i;
}

/** Length of a contraction (`'s`, `'re`...) starting at `i`, or 0. Case-sensitive, as in GPT-2. */
function contractionLength(text: string, i: number, end: number): number {
  if (i + 1 >= end) return 0;
  const a = text.charCodeAt(i + 1);
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  if (i + 2 >= end) return 0;
  const b = text.charCodeAt(i + 2);
  if ((a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c)) return 3; // re ve ll
  return 0;
}

/**
 * Splits text[start, end) into words and writes each word's end index into `ends`, returning the count. Words
 * are contiguous, so word k spans [k === 0 ? start : ends[k - 1], ends[k]). Stops when `ends` is full; the
 * caller continues from the last end (the split there is the same as in one pass).
 */
export function splitGpt2(text: string, start: number, end: number, ends: Int32Array): number {
  const capacity = ends.length;
  let count = 0;
  let i = start;
  while (i < end && count < capacity) {
    const unit = text.charCodeAt(i);
    if (unit === APOSTROPHE) {
      const length = contractionLength(text, i, end);
      if (length > 0) {
        i += length;
        ends[count++] = i;
        continue;
      }
    }
    if (unit === SPACE_CHAR && i + 1 < end) {
      const nextClass = classAt(text, i + 1);
      if (nextClass !== SPACE) {
        i = runEnd(text, i + 1, end, nextClass);
        ends[count++] = i;
        continue;
      }
    }
    const cls = classAt(text, i);
    if (cls !== SPACE) {
      i = runEnd(text, i, end, cls);
      ends[count++] = i;
      continue;
    }
    // White space: the run, less its last character when a non-space follows (that one may lead a word).
    const runStop = runEnd(text, i, end, SPACE);
    if (runStop < end && runStop - 1 > i) i = runStop - 1;
    else if (runStop < end) i += 1;
    else i = runStop;
    ends[count++] = i;
  }
  return count;
}
