/**
 * BPE results by word, looked up straight from a range of the text being encoded: hashing the characters in
 * place avoids making a string for every word, which made Map lookups (and the garbage collector) the largest
 * cost of encoding. Bounded: once full it keeps what it has, as HF's cache does (frequent words come early).
 */

/** One word's ids: a number when it is one token (most words), else the list. */
export type WordIds = number | number[];

export class WordCache<V = WordIds> {
  private keys: (string | undefined)[] = [];
  private hashes = new Int32Array(0);
  private values: V[] = [];
  private mask = -1;
  private size = 0;

  /**
   * HF caches 10,000 words. A corpus of a few MB holds about 100,000 distinct words (more when SentencePiece
   * keeps punctuation on words); long ones (URLs, code) are worth caching too, as they cost the most to merge.
   * `maxProbes` bounds a lookup for callers whose hash samples only some characters, so that text made to collide
   * cannot build long runs: past it a lookup misses and the entry is not stored.
   */
  constructor(
    private readonly limit = 200_000,
    readonly maxWordLength = 256,
    private readonly maxProbes = Infinity
  ) {
    this.resize(4096);
  }

  /** FNV-1a over the UTF-16 units of text[start, end). */
  static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  get(text: string, start: number, end: number, hash: number): V | undefined {
    const length = end - start;
    for (let probe = 0, slot = hash & this.mask; probe < this.maxProbes; probe++, slot = (slot + 1) & this.mask) {
      const key = this.keys[slot];
      if (key === undefined) return undefined;
      if (this.hashes[slot] !== hash || key.length !== length) continue;
      if (text.startsWith(key, start)) return this.values[slot];
    }
    return undefined;
  }

  set(word: string, hash: number, ids: V): void {
    if (this.size >= this.limit || word.length > this.maxWordLength) return;
    // Kept at most half full, so probes stay short and a free slot always exists.
    if (2 * (this.size + 1) > this.keys.length) this.resize(2 * this.keys.length);
    if (this.insert(word, hash, ids)) this.size++;
  }

  clear(): void {
    this.resize(4096);
  }

  private insert(word: string, hash: number, ids: V): boolean {
    for (let probe = 0, slot = hash & this.mask; probe < this.maxProbes; probe++, slot = (slot + 1) & this.mask) {
      if (this.keys[slot] !== undefined) continue;
      this.keys[slot] = word;
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
    this.values = new Array<V>(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    keys.forEach((key, slot) => {
      if (key !== undefined && this.insert(key, hashes[slot]!, values[slot]!)) this.size++;
    });
  }
}
