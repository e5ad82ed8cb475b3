import {BYTE_TO_CHAR} from "./byte-level.js";

/**
 * Writes the vocabulary ids of a word's UTF-8 bytes (byte-level BPE's starting symbols) into `symbols`, which
 * must hold 3 per UTF-16 unit, and returns how many. The word must be well-formed UTF-16.
 */
export function byteLevelSymbols(word: string, byteIds: Int32Array, symbols: Int32Array): number {
  let n = 0;
  for (let i = 0; i < word.length; i++) {
    let c = word.charCodeAt(i);
    if (c < 0x80) {
      symbols[n++] = byteIds[c]!;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) c = word.codePointAt(i++)!;
    if (c < 0x800) {
      symbols[n++] = byteIds[0xc0 | (c >> 6)]!;
    } else if (c < 0x10000) {
      symbols[n++] = byteIds[0xe0 | (c >> 12)]!;
      symbols[n++] = byteIds[0x80 | ((c >> 6) & 0x3f)]!;
    } else {
      symbols[n++] = byteIds[0xf0 | (c >> 18)]!;
      symbols[n++] = byteIds[0x80 | ((c >> 12) & 0x3f)]!;
      symbols[n++] = byteIds[0x80 | ((c >> 6) & 0x3f)]!;
    }
    symbols[n++] = byteIds[0x80 | (c & 0x3f)]!;
  }
  return n;
}

/** The word as a byte-level vocabulary string (space as `Ġ`...), for `ignore_merges` lookups. */
export function byteLevelString(word: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(word)) out += BYTE_TO_CHAR[byte];
  return out;
}
