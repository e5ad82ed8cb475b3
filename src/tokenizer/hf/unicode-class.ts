/**
 * Character classes for pre-tokenizers, with HF's (Oniguruma's) meaning of `\s`: Unicode White_Space, which
 * includes U+0085 (NEL) and excludes U+FEFF (BOM), unlike JavaScript's `\s`.
 */

export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
export const SPACE = 3;

export type CharClass = typeof OTHER | typeof LETTER | typeof NUMBER | typeof SPACE;

/** The Unicode White_Space code points as the literal body of a regex character class (`[${...}]`). */
export const WHITE_SPACE_CLASS_BODY = "\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

const WHITE_SPACE = new RegExp(`^[${WHITE_SPACE_CLASS_BODY}]$`, "u");
const LETTER_RE = /^\p{L}$/u;
const NUMBER_RE = /^\p{N}$/u;

function classify(codePoint: number): CharClass {
  const char = String.fromCodePoint(codePoint);
  if (LETTER_RE.test(char)) return LETTER;
  if (NUMBER_RE.test(char)) return NUMBER;
  if (WHITE_SPACE.test(char)) return SPACE;
  return OTHER;
}

/** Class + 1 per BMP code point, filled on first sight (0 = not yet classified). */
const bmpClasses = new Uint8Array(0x10000);
for (let c = 0; c < 0x80; c++) bmpClasses[c] = classify(c) + 1;
const astralClasses = new Map<number, CharClass>();

export function charClass(codePoint: number): CharClass {
  if (codePoint < 0x10000) {
    const cached = bmpClasses[codePoint]!;
    if (cached !== 0) return (cached - 1) as CharClass;
    const computed = classify(codePoint);
    bmpClasses[codePoint] = computed + 1;
    return computed;
  }
  let computed = astralClasses.get(codePoint);
  if (computed === undefined) {
    computed = classify(codePoint);
    astralClasses.set(codePoint, computed);
  }
  return computed;
}

export function isWhiteSpace(codePoint: number): boolean {
  return charClass(codePoint) === SPACE;
}
