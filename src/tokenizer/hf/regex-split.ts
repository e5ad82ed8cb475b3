import {WHITE_SPACE_CLASS_BODY} from "./unicode-class.js";

/**
 * Split pre-tokenizers whose pattern is not GPT-2's (Llama 3, Qwen...): the Oniguruma pattern translated to a
 * JavaScript regex with Oniguruma's meaning of `\s`, `\d` and `\w`. Patterns using features JavaScript lacks
 * (possessive quantifiers, atomic groups) are refused, and the caller uses the library backend instead.
 */

const SYNTAX_CHARS = new Set("^$\\.*+?()[]{}|/-");
const WORD_CLASS_BODY = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";

/** Escapes with an Oniguruma meaning JavaScript spells differently: [outside a class, inside a class]. */
const ESCAPES: Readonly<Record<string, readonly [string, string | undefined]>> = {
  s: [`[${WHITE_SPACE_CLASS_BODY}]`, WHITE_SPACE_CLASS_BODY],
  S: [`[^${WHITE_SPACE_CLASS_BODY}]`, undefined],
  d: ["\\p{Nd}", "\\p{Nd}"],
  D: ["\\P{Nd}", "\\P{Nd}"],
  w: [`[${WORD_CLASS_BODY}]`, WORD_CLASS_BODY],
  W: [`[^${WORD_CLASS_BODY}]`, undefined]
};
const UNSUPPORTED_ESCAPES = new Set(["A", "z", "Z", "G", "h", "H", "R", "X", "K", "b", "B"]);

function caseFold(char: string, inClass: boolean): string {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  if (lower === upper) return char;
  return inClass ? lower + upper : `[${lower}${upper}]`;
}

/** The JavaScript source for an Oniguruma pattern, or undefined when it cannot be expressed. */
export function translateOnigurumaPattern(pattern: string): string | undefined {
  let out = "";
  let inClass = false;
  /** Group depths at which a `(?i:` group was opened; letters inside match both cases. */
  const caseless: number[] = [];
  let depth = 0;
  let afterQuantifier = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const folding = caseless.length > 0;
    if (c === "\\") {
      const e = pattern[++i];
      if (e === undefined) return undefined;
      afterQuantifier = false;
      if (e === "p" || e === "P") {
        const close = pattern.indexOf("}", i);
        if (pattern[i + 1] !== "{" || close < 0) return undefined;
        out += pattern.slice(i - 1, close + 1);
        i = close;
      } else if (e in ESCAPES) {
        const replacement = ESCAPES[e]![inClass ? 1 : 0];
        if (replacement === undefined) return undefined;
        out += replacement;
      } else if (UNSUPPORTED_ESCAPES.has(e)) {
        return undefined;
      } else if (/[A-Za-z0-9]/.test(e)) {
        out += "\\" + e;
      } else {
        out += SYNTAX_CHARS.has(e) ? "\\" + e : e;
      }
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += folding && /[A-Za-z]/.test(c) ? caseFold(c, true) : c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
      afterQuantifier = false;
      continue;
    }
    if (c === "(") {
      depth++;
      if (pattern.startsWith("(?i:", i)) {
        caseless.push(depth);
        out += "(?:";
        i += 3;
      } else if (pattern.startsWith("(?>", i) || (pattern[i + 1] === "?" && /[a-zA-Z-]/.test(pattern[i + 2] ?? ""))) {
        return undefined;
      } else {
        out += c;
      }
      afterQuantifier = false;
      continue;
    }
    if (c === ")") {
      if (caseless[caseless.length - 1] === depth) caseless.pop();
      depth--;
      out += c;
      afterQuantifier = false;
      continue;
    }
    if (c === "+" || c === "*" || c === "?" || c === "}") {
      // A `+` right after a quantifier makes it possessive, which JavaScript lacks.
      if (c === "+" && afterQuantifier) return undefined;
      out += c;
      afterQuantifier = c !== "?" || !afterQuantifier;
      continue;
    }
    afterQuantifier = false;
    out += folding && /[A-Za-z]/.test(c) ? caseFold(c, false) : c;
  }
  return inClass || depth !== 0 ? undefined : out;
}

export function compileOnigurumaPattern(pattern: string): RegExp | undefined {
  const source = translateOnigurumaPattern(pattern);
  if (source === undefined) return undefined;
  try {
    return new RegExp(source, "gu");
  } catch {
    return undefined;
  }
}

/**
 * HF's Split with behavior `Isolated`: every match is a word and so is every stretch between matches. Writes
 * word ends as splitGpt2 does.
 */
export function splitIsolated(regex: RegExp, text: string, start: number, end: number, ends: Int32Array): number {
  const piece = start === 0 && end === text.length ? text : text.slice(start, end);
  let count = 0;
  let last = 0;
  regex.lastIndex = 0;
  for (let match = regex.exec(piece); match !== null; match = regex.exec(piece)) {
    const matchEnd = match.index + match[0].length;
    if (matchEnd === match.index) {
      regex.lastIndex++;
      continue;
    }
    if (match.index > last) ends[count++] = start + match.index;
    ends[count++] = start + matchEnd;
    last = matchEnd;
  }
  if (last < piece.length) ends[count++] = end;
  return count;
}
