import type {TokenizerJson} from "./hf/tokenizer-json.js";
import {compileOnigurumaPattern} from "./hf/regex-split.js";
import {WHITE_SPACE_CLASS_BODY} from "./hf/unicode-class.js";
import type {Tokenizer} from "./tokenizer.js";

/**
 * Where HF's Rust tokenizers can stop encoding a long input under truncation (see `earlyExitLength`): at the
 * start of a pre-tokenizer split (a "word") that follows a word the model encoded; they never stop right after
 * an added token. Word starts are read from the token strings where the model spells them (WordPiece: no `##`;
 * Metaspace: a leading `▁`), from the ByteLevel / Split regex matched against the text otherwise; added tokens
 * are words of their own. For pre-tokenizers none of these covers, every id counts as a word start.
 */
export interface WordStarts {
  /** The index of the first such stop at or after `from`, or `ids.length`. */
  next(text: string, ids: readonly number[], from: number): number;
}

const W = WHITE_SPACE_CLASS_BODY;
/** GPT-2's pattern (the ByteLevel pre-tokenizer's) with HF's meaning of `\s`. */
const GPT2 = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${W}\\p{L}\\p{N}]+|[${W}]+(?![^${W}])|[${W}]+`, "gu");

type Component = {readonly type?: unknown; readonly [key: string]: unknown};

function flatten(component: Component | null | undefined, list: string): Component[] {
  if (component == null) return [];
  if (component.type === "Sequence") return ((component[list] ?? []) as Component[]).flatMap((inner) => flatten(inner, list));
  return [component];
}

/** Token strings by id: the model's vocabulary and the added tokens. */
function tokenStrings(json: TokenizerJson): Map<number, string> {
  const strings = new Map<number, string>();
  const vocab = json.model.vocab;
  if (Array.isArray(vocab)) vocab.forEach((entry: unknown, id) => Array.isArray(entry) && typeof entry[0] === "string" && strings.set(id, entry[0]));
  else if (vocab !== null && typeof vocab === "object") for (const [token, id] of Object.entries(vocab)) if (typeof id === "number") strings.set(id, token);
  for (const token of json.added_tokens ?? []) strings.set(token.id, token.content);
  return strings;
}

/** Start positions (UTF-16) of the splits a regex makes with HF's `Isolated` behaviour: matches and the gaps. */
function regexSplitStarts(regex: RegExp, text: string): Set<number> {
  const starts = new Set<number>([0]);
  for (const match of text.matchAll(new RegExp(regex.source, regex.flags.includes("g") ? regex.flags : `${regex.flags}g`))) {
    if (match[0].length === 0) continue;
    starts.add(match.index);
    starts.add(match.index + match[0].length);
  }
  return starts;
}

function splitRegex(json: TokenizerJson): RegExp | undefined {
  const parts = flatten(json.pre_tokenizer as Component | null | undefined, "pretokenizers");
  const last = parts[parts.length - 1];
  if (last?.type !== "ByteLevel") return undefined;
  if (parts.length === 1) return last.use_regex === false ? undefined : GPT2;
  const split = parts[0]!;
  const pattern = split.pattern as {Regex?: string} | undefined;
  if (parts.length !== 2 || last.use_regex !== false || split.type !== "Split" || split.behavior !== "Isolated" || split.invert === true) return undefined;
  return pattern?.Regex === undefined ? undefined : compileOnigurumaPattern(pattern.Regex);
}

/** `token`: a token begins a word when it starts with `prefix` (`withPrefix`) or when it does not. */
type Rule =
  | {readonly kind: "token"; readonly prefix: string; readonly withPrefix: boolean}
  | {readonly kind: "regex"; readonly regex: RegExp}
  | {readonly kind: "none"}
  | {readonly kind: "every"};

function ruleOf(json: TokenizerJson): Rule {
  const model = json.model as Component;
  if (model.type === "WordPiece") {
    const prefix = typeof model.continuing_subword_prefix === "string" ? model.continuing_subword_prefix : "##";
    return {kind: "token", prefix, withPrefix: false};
  }
  const pre = flatten(json.pre_tokenizer as Component | null | undefined, "pretokenizers");
  if (pre.length === 0) return {kind: "none"};
  const metaspace = pre.find((part) => part.type === "Metaspace");
  if (metaspace !== undefined) {
    if (metaspace.split === false) return {kind: "none"};
    const replacement = typeof metaspace.replacement === "string" ? metaspace.replacement : "\u2581";
    return {kind: "token", prefix: replacement, withPrefix: true};
  }
  const regex = splitRegex(json);
  return regex === undefined ? {kind: "every"} : {kind: "regex", regex};
}

function unkId(json: TokenizerJson, strings: Map<number, string>): number | undefined {
  const model = json.model as Component;
  if (typeof model.unk_id === "number") return model.unk_id;
  if (typeof model.unk_token !== "string") return undefined;
  for (const [id, token] of strings) if (token === model.unk_token) return id;
  return undefined;
}

/**
 * @example
 * const starts = wordStarts(json, tokenizer);
 * starts.next("playing well", [5, 6, 7], 1); // 2: "##ing" continues "play", "well" begins a word
 */
export function wordStarts(json: TokenizerJson, tokenizer: Tokenizer): WordStarts {
  const strings = tokenStrings(json);
  const unk = unkId(json, strings);
  // The model's unknown-token id also comes out of ordinary text, so it does not mark an added token there.
  const added = new Set((json.added_tokens ?? []).map((token) => token.id).filter((id) => id !== unk));
  return new RuleWordStarts(ruleOf(json), strings, added, tokenizer);
}

/** A class, not a closure per tokenizer, for the reason StepPostProcessor gives (pair-post-processor.ts). */
class RuleWordStarts implements WordStarts {
  constructor(
    private readonly rule: Rule,
    private readonly strings: Map<number, string>,
    private readonly added: Set<number>,
    private readonly tokenizer: Tokenizer
  ) {}

  next(text: string, ids: readonly number[], from: number): number {
    const {rule, strings, added} = this;
    let regexStarts: Set<number> | undefined;
    let offsets: [number, number][] | undefined;
    for (let k = Math.max(from, 1); k < ids.length; k++) {
      // HF checks the count only after a word the model encoded, never after an added token.
      if (added.has(ids[k - 1]!)) continue;
      if (added.has(ids[k]!)) return k;
      switch (rule.kind) {
        case "every":
          return k;
        case "none":
          continue;
        case "token":
          if ((strings.get(ids[k]!) ?? "").startsWith(rule.prefix) === rule.withPrefix) return k;
          continue;
        case "regex": {
          regexStarts ??= regexSplitStarts(rule.regex, text);
          offsets ??= this.tokenizer.encodeWithOffsets(text, {addSpecialTokens: false}).offsets;
          const start = offsets[k]![0];
          // Byte-level pieces of one character share its span; only the first can begin a word.
          if (regexStarts.has(start) && offsets[k - 1]![0] !== start) return k;
          continue;
        }
      }
    }
    return ids.length;
  }
}

/**
 * How many ids of `ids` HF's Rust tokenizers (0.23) hand to truncation when it is set to `maxLength`: they stop
 * encoding a text after the first word the model encoded that brings it to `maxLength` ids or more
 * (huggingface/tokenizers#1990). Only which text is longer then changes, which decides where `longest_first`
 * puts an odd id.
 *
 * @example
 * earlyExitLength({text: "playing well", ids: [5, 6, 7], maxLength: 1, starts}); // 2
 */
export function earlyExitLength(options: {text: string; ids: readonly number[]; maxLength: number; starts: WordStarts}): number {
  const {text, ids, maxLength, starts} = options;
  if (ids.length <= maxLength) return ids.length;
  return starts.next(text, ids, maxLength);
}
