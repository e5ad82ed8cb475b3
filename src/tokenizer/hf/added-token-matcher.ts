/**
 * Finds added tokens in text the way HF's AddedVocabulary does: leftmost-longest, non-overlapping matches;
 * `single_word` matches surrounded by word characters are skipped (their text stays ordinary text); `lstrip` /
 * `rstrip` widen a match over neighbouring white space.
 */

export interface AddedTokenRule {
  readonly id: number;
  readonly content: string;
  readonly singleWord: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
}

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  /** Index into the rules of the token ending here, or -1. */
  rule: number;
}

/** One match: the token's id and the span of text it consumes (wider than its content with lstrip/rstrip). */
export interface AddedTokenMatch {
  id: number;
  start: number;
  end: number;
}

const WORD_CHAR = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const WHITE_SPACE_CHAR = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

function isWordCharBefore(text: string, index: number, start: number): boolean {
  if (index <= start) return false;
  const low = text.charCodeAt(index - 1);
  const at = low >= 0xdc00 && low <= 0xdfff && index - 2 >= start ? index - 2 : index - 1;
  return WORD_CHAR.test(String.fromCodePoint(text.codePointAt(at)!));
}

function isWordCharAt(text: string, index: number, end: number): boolean {
  return index < end && WORD_CHAR.test(String.fromCodePoint(text.codePointAt(index)!));
}

export class AddedTokenMatcher {
  private readonly root: TrieNode = {next: new Map(), rule: -1};
  /**
   * Per UTF-16 unit: 1 if an added token can start with it, 2 if a one-unit token is exactly it. With the units
   * that can come second, most positions (such as a space not followed by another, for NeoX's space-run
   * tokens) are ruled out by two table reads.
   */
  private readonly firstUnits = new Uint8Array(0x10000);
  private readonly secondUnits = new Uint8Array(0x10000);
  private readonly rules: readonly AddedTokenRule[];

  constructor(rules: readonly AddedTokenRule[]) {
    this.rules = rules.filter((rule) => rule.content.length > 0);
    this.rules.forEach((rule, index) => {
      let node = this.root;
      for (let i = 0; i < rule.content.length; i++) {
        const unit = rule.content.charCodeAt(i);
        let child = node.next.get(unit);
        if (child === undefined) {
          child = {next: new Map(), rule: -1};
          node.next.set(unit, child);
        }
        node = child;
      }
      // The first rule with a given content wins, as HF keeps one id per content.
      if (node.rule < 0) node.rule = index;
      const first = rule.content.charCodeAt(0);
      if (rule.content.length === 1) this.firstUnits[first] = 2;
      else {
        this.firstUnits[first] ||= 1;
        this.secondUnits[rule.content.charCodeAt(1)] = 1;
      }
    });
  }

  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  /** The longest rule matching at `start` without passing `end`. */
  private longestAt(text: string, start: number, end: number): {rule: number; end: number} | undefined {
    let node: TrieNode | undefined = this.root;
    let found: {rule: number; end: number} | undefined;
    for (let i = start; i < end; i++) {
      node = node.next.get(text.charCodeAt(i));
      if (node === undefined) break;
      if (node.rule >= 0) found = {rule: node.rule, end: i + 1};
    }
    return found;
  }

  /** Matches in text[start, end), in order; each match's span never overlaps the previous one. */
  findAll(text: string, start: number, end: number): AddedTokenMatch[] {
    const matches: AddedTokenMatch[] = [];
    if (this.rules.length === 0) return matches;
    const firstUnits = this.firstUnits;
    const secondUnits = this.secondUnits;
    let previousEnd = start;
    let i = start;
    while (i < end) {
      const first = firstUnits[text.charCodeAt(i)]!;
      if (first === 0 || (first === 1 && (i + 1 >= end || secondUnits[text.charCodeAt(i + 1)] === 0))) {
        i++;
        continue;
      }
      const found = this.longestAt(text, i, end);
      if (found === undefined) {
        i++;
        continue;
      }
      const rule = this.rules[found.rule]!;
      let matchStart = i;
      let matchEnd = found.end;
      i = found.end;
      if (rule.singleWord && (isWordCharBefore(text, matchStart, start) || isWordCharAt(text, matchEnd, end))) {
        continue;
      }
      if (rule.lstrip) {
        while (matchStart > previousEnd && WHITE_SPACE_CHAR.test(text[matchStart - 1]!)) matchStart--;
      }
      if (rule.rstrip) {
        while (matchEnd < end && WHITE_SPACE_CHAR.test(text[matchEnd]!)) matchEnd++;
        i = matchEnd;
      }
      matches.push({id: rule.id, start: matchStart, end: matchEnd});
      previousEnd = matchEnd;
    }
    return matches;
  }
}
