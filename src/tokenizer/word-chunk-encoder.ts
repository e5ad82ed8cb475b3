import type {ComponentJson, TokenizerJson} from "./hf/tokenizer-json.js";
import {WordCache} from "./hf/word-cache.js";
import type {Tokenizer} from "./tokenizer.js";
import type {WordStarts} from "./word-starts.js";

/**
 * Encodes a text as the concatenation of its space-separated chunks, each looked up in a cache of chunk ids, for
 * the tokenizer.json pipelines where that is exactly the whole text's encoding: BERT-style ones, whose
 * normalizers act per character (a space stays a space and never joins its neighbours) and whose pre-tokenizers
 * split at whitespace and drop it, so no token, added-token match or word crosses a space. Without it the
 * @huggingface/tokenizers pipeline run on every text took about two thirds of a tiny reward model's scoring time
 * (measured by bench/score.ts); HF's Rust tokenizers cache by word for the same reason.
 */
export interface WordChunkEncoder {
  /**
   * The ids of `text` (no special tokens), or of a prefix of it: chunks are encoded until the ids so far are
   * enough for truncation (`until`). `complete` tells whether `ids` covers all of `text`.
   */
  encode(text: string, until?: EncodeUntil): {ids: number[]; complete: boolean};
}

/**
 * When a prefix of the ids is enough: `count` ids, or a word start (`starts`) after `wordStartPast` ids, which is
 * where HF's early exit under truncation stops (see `earlyExitLength`).
 */
export type EncodeUntil = {readonly count: number} | {readonly wordStartPast: number; readonly starts: WordStarts};

function isEnough(text: string, ids: readonly number[], until: EncodeUntil): boolean {
  if ("count" in until) return ids.length >= until.count;
  return ids.length > until.wordStartPast && until.starts.next(text, ids, until.wordStartPast) < ids.length;
}

/** Chunks kept (HF's Rust word cache keeps 10,000 words; a few MB of text hold about 100,000). */
const MAX_CHUNKS = 100_000;
/** Longer chunks (URLs, code) are rare enough to encode each time. */
const MAX_CHUNK_LENGTH = 64;
/** sampledHash collides more than a full hash, so a lookup gives up after this many probes (WordCache's maxProbes). */
const MAX_PROBES = 8;

const PER_CHARACTER_NORMALIZERS = new Set(["BertNormalizer", "Lowercase", "NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Strip"]);
const WHITESPACE_SPLITTERS = new Set(["BertPreTokenizer", "Whitespace", "WhitespaceSplit"]);
/** Split only inside words once a whitespace splitter has run first. */
const WORD_SPLITTERS = new Set([...WHITESPACE_SPLITTERS, "Punctuation", "Digits"]);

function parts(component: ComponentJson | null | undefined, list: string): ComponentJson[] {
  if (component == null) return [];
  if (component.type === "Sequence") return ((component[list] ?? []) as ComponentJson[]).flatMap((inner) => parts(inner, list));
  return [component];
}

/** Why a tokenizer.json's encoding may not be the concatenation of its space-separated chunks', or undefined. */
function notChunkLocal(json: TokenizerJson): string | undefined {
  const normalizers = parts(json.normalizer, "normalizers");
  const unusual = normalizers.find((part) => !PER_CHARACTER_NORMALIZERS.has(String(part.type)));
  if (unusual !== undefined) return `normalizer ${String(unusual.type)}`;
  const pre = parts(json.pre_tokenizer, "pretokenizers");
  if (pre.length === 0 || !WHITESPACE_SPLITTERS.has(String(pre[0]!.type))) return "the pre-tokenizer does not split at whitespace first";
  if (pre.some((part) => !WORD_SPLITTERS.has(String(part.type)))) return "a pre-tokenizer that may keep whitespace";
  // @huggingface/tokenizers fuses unknown tokens across the words of a text, not per word.
  if ((json.model as ComponentJson).fuse_unk === true) return "fuse_unk";
  // A normalized added token is matched in normalized text, where a normalizer may have put spaces (CJK).
  const spanning = (json.added_tokens ?? []).find((token) => /\s/u.test(token.content) || (token.normalized === true && !/^[!-~]+$/.test(token.content)));
  if (spanning !== undefined) return `added token ${JSON.stringify(spanning.content)}`;
  return undefined;
}

/**
 * A chunk encoder for `tokenizer` (loaded from `json`), or undefined when its pipeline is not chunk-local.
 *
 * @example
 * const chunks = wordChunkEncoder(json, tokenizer);
 * chunks?.encode("playing well").ids; // [play, ##ing, well]: tokenizer.encode("playing well", {addSpecialTokens: false})
 */
export function wordChunkEncoder(json: TokenizerJson, tokenizer: Tokenizer): WordChunkEncoder | undefined {
  if (notChunkLocal(json) !== undefined) return undefined;
  return new CachedChunkEncoder(tokenizer, asciiWordPiece(json));
}

/**
 * Classes here rather than closures per tokenizer: closures made per load were new call targets for the encoding
 * code V8 had optimized, which then started over (see StepPostProcessor in pair-post-processor.ts).
 */
class CachedChunkEncoder implements WordChunkEncoder {
  private readonly table = new WordCache<number | readonly number[]>(MAX_CHUNKS, MAX_CHUNK_LENGTH, MAX_PROBES);

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly ascii: AsciiWordPiece | undefined
  ) {}

  encode(text: string, until?: EncodeUntil): {ids: number[]; complete: boolean} {
    const ids: number[] = [];
    // Below this many ids no prefix is enough, so the check is skipped.
    const threshold = until === undefined ? Number.POSITIVE_INFINITY : "count" in until ? until.count : until.wordStartPast + 1;
    for (let start = 0; start <= text.length; ) {
      let end = text.indexOf(" ", start);
      if (end < 0) end = text.length;
      if (end > start) {
        const hash = sampledHash(text, start, end);
        let value = this.table.get(text, start, end, hash);
        if (value === undefined) {
          const word = text.slice(start, end);
          const encoded = this.ascii?.encode(word) ?? this.tokenizer.encode(word, {addSpecialTokens: false});
          value = encoded.length === 1 ? encoded[0]! : encoded;
          this.table.set(word, hash, value);
        }
        if (typeof value === "number") ids.push(value);
        else for (const id of value) ids.push(id);
        if (ids.length >= threshold && end < text.length && isEnough(text, ids, until!)) return {ids, complete: false};
      }
      start = end + 1;
    }
    return {ids, complete: true};
  }
}

/**
 * For a plain BERT pipeline (BertNormalizer, BertPreTokenizer, WordPiece), the ids of a chunk of printable ASCII
 * holding no added token, worked out directly: there the normalizer only lowercases, the pre-tokenizer splits
 * off each punctuation character (all of ASCII's non-alphanumerics) and WordPiece takes the longest vocabulary
 * match from the left. Other chunks return undefined and go through the library, whose call per chunk cost
 * about 8 us, most of a cold chunk cache's cost on real text (bench/score.ts scores each pair once).
 */
function asciiWordPiece(json: TokenizerJson): AsciiWordPiece | undefined {
  const normalizer = json.normalizer as ComponentJson | null | undefined;
  const model = json.model as ComponentJson;
  if (model.type !== "WordPiece" || (json.pre_tokenizer as ComponentJson | null)?.type !== "BertPreTokenizer") return undefined;
  if (normalizer != null && normalizer.type !== "BertNormalizer") return undefined;
  const prefix = model.continuing_subword_prefix;
  const vocab = model.vocab as Record<string, number> | undefined;
  const unk = typeof model.unk_token === "string" ? vocab?.[model.unk_token] : undefined;
  if (typeof prefix !== "string" || vocab === undefined || typeof unk !== "number") return undefined;
  // Vocabulary tries of first pieces and of continuations (the prefix taken off), ASCII entries only: a walk
  // along the word finds the longest match without making a string per candidate.
  const first = trieNode();
  const next = trieNode();
  for (const [token, id] of Object.entries(vocab)) {
    if (!/^[\x21-\x7e]+$/.test(token)) continue;
    trieInsert(first, token, 0, id);
    if (token.startsWith(prefix) && token.length > prefix.length) trieInsert(next, token, prefix.length, id);
  }
  return new AsciiWordPiece({
    first,
    next,
    unk,
    maxChars: typeof model.max_input_chars_per_word === "number" ? model.max_input_chars_per_word : 100,
    lowercase: normalizer != null && normalizer.lowercase !== false,
    added: (json.added_tokens ?? []).map((token) => token.content)
  });
}

class AsciiWordPiece {
  constructor(
    private readonly options: {
      readonly first: TrieNode;
      readonly next: TrieNode;
      readonly unk: number;
      readonly maxChars: number;
      readonly lowercase: boolean;
      readonly added: readonly string[];
    }
  ) {}

  /** The ids of a chunk of printable ASCII holding no added token, or undefined for any other chunk. */
  encode(chunk: string): number[] | undefined {
    for (let k = 0; k < chunk.length; k++) {
      const code = chunk.charCodeAt(k);
      if (code < 0x21 || code > 0x7e) return undefined;
    }
    const text = this.options.lowercase ? chunk.toLowerCase() : chunk;
    if (this.options.added.some((content) => chunk.includes(content) || text.includes(content))) return undefined;
    const out: number[] = [];
    let wordStart = 0;
    for (let k = 0; k < text.length; k++) {
      const code = text.charCodeAt(k);
      const alphanumeric = (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
      if (alphanumeric) continue;
      if (k > wordStart) this.wordPiece(text, wordStart, k, out);
      this.wordPiece(text, k, k + 1, out);
      wordStart = k + 1;
    }
    if (text.length > wordStart) this.wordPiece(text, wordStart, text.length, out);
    return out;
  }

  /** WordPiece's longest matches from the left for text[start, end), or the unknown token for the whole word. */
  private wordPiece(text: string, start: number, end: number, out: number[]): void {
    const {first, next, unk, maxChars} = this.options;
    if (end - start > maxChars) return void out.push(unk);
    const written = out.length;
    for (let from = start; from < end; ) {
      let node: TrieNode | undefined = from === start ? first : next;
      let id = -1;
      let to = from;
      for (let k = from; k < end; k++) {
        node = node.children?.get(text.charCodeAt(k));
        if (node === undefined) break;
        if (node.id >= 0) {
          id = node.id;
          to = k + 1;
        }
      }
      if (id < 0) {
        out.length = written;
        return void out.push(unk);
      }
      out.push(id);
      from = to;
    }
  }
}

interface TrieNode {
  /** The id of the vocabulary entry ending here, or -1. */
  id: number;
  children: Map<number, TrieNode> | undefined;
}

function trieNode(): TrieNode {
  return {id: -1, children: undefined};
}

function trieInsert(root: TrieNode, token: string, from: number, id: number): void {
  let node = root;
  for (let k = from; k < token.length; k++) {
    node.children ??= new Map();
    const code = token.charCodeAt(k);
    let child = node.children.get(code);
    if (child === undefined) node.children.set(code, (child = trieNode()));
    node = child;
  }
  node.id = id;
}

/**
 * A hash of text[start, end) from its length and four of its characters: hashing every character cost
 * more than the rest of a cached lookup. Chunks that share these still find their own entry, by comparison.
 */
function sampledHash(text: string, start: number, end: number): number {
  const length = end - start;
  const last = end - 1;
  let hash = Math.imul(length ^ (text.charCodeAt(start) << 16) ^ text.charCodeAt(last), 0x9e3779b1);
  hash = Math.imul(hash ^ (text.charCodeAt(start + (length >> 1)) << 16) ^ text.charCodeAt(start + (length >> 2)), 0x85ebca6b);
  return hash ^ (hash >>> 15);
}

