import type {ComponentJson, TokenizerJson} from "./hf/tokenizer-json.js";
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
  const table = new ChunkTable();
  return {
    encode: (text, until) => {
      const ids: number[] = [];
      // Below this many ids no prefix is enough, so the check is skipped.
      const threshold = until === undefined ? Number.POSITIVE_INFINITY : "count" in until ? until.count : until.wordStartPast + 1;
      for (let start = 0; start <= text.length; ) {
        let end = text.indexOf(" ", start);
        if (end < 0) end = text.length;
        if (end > start) {
          const hash = sampledHash(text, start, end);
          let value = table.get(text, start, end, hash);
          if (value === undefined) {
            const word = text.slice(start, end);
            const encoded = tokenizer.encode(word, {addSpecialTokens: false});
            value = encoded.length === 1 ? encoded[0]! : encoded;
            table.set(word, hash, value);
          }
          if (typeof value === "number") ids.push(value);
          else for (const id of value) ids.push(id);
          if (ids.length >= threshold && end < text.length && isEnough(text, ids, until!)) return {ids, complete: false};
        }
        start = end + 1;
      }
      return {ids, complete: true};
    }
  };
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

/** Chunk ids by chunk text, looked up straight from the text being encoded (no string made per chunk). */
class ChunkTable {
  private keys: (string | undefined)[] = [];
  private hashes = new Int32Array(0);
  private values: (number | readonly number[])[] = [];
  private mask = -1;
  private size = 0;

  constructor() {
    this.resize(4096);
  }

  get(text: string, start: number, end: number, hash: number): number | readonly number[] | undefined {
    const length = end - start;
    // The hash samples a few characters, so text made to collide could build long runs: a lookup gives up after a
    // few probes and the chunk is encoded afresh (and not stored), which costs what no cache would.
    for (let probe = 0, slot = hash & this.mask; probe < MAX_PROBES; probe++, slot = (slot + 1) & this.mask) {
      const key = this.keys[slot];
      if (key === undefined) return undefined;
      if (this.hashes[slot] !== hash || key.length !== length) continue;
      let k = 0;
      while (k < length && key.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k === length) return this.values[slot];
    }
    return undefined;
  }

  set(chunk: string, hash: number, ids: number | readonly number[]): void {
    if (this.size >= MAX_CHUNKS || chunk.length > MAX_CHUNK_LENGTH) return;
    // Kept at most half full, so runs stay short.
    if (2 * (this.size + 1) > this.keys.length) this.resize(2 * this.keys.length);
    if (this.insert(chunk, hash, ids)) this.size++;
  }

  private insert(chunk: string, hash: number, ids: number | readonly number[]): boolean {
    for (let probe = 0, slot = hash & this.mask; probe < MAX_PROBES; probe++, slot = (slot + 1) & this.mask) {
      if (this.keys[slot] !== undefined) continue;
      this.keys[slot] = chunk;
      this.hashes[slot] = hash;
      this.values[slot] = ids;
      return true;
    }
    return false;
  }

  private resize(capacity: number): void {
    const {keys, hashes, values} = this;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.values = new Array<number | readonly number[]>(capacity).fill(0);
    this.mask = capacity - 1;
    this.size = 0;
    keys.forEach((key, slot) => {
      if (key !== undefined && this.insert(key, hashes[slot]!, values[slot]!)) this.size++;
    });
  }
}
