/**
 * BPE results by word, looked up straight from a range of the text being encoded: hashing the characters in
 * place avoids making a string for every word, which made Map lookups (and the garbage collector) the largest
 * cost of encoding. Bounded: once full it keeps what it has, as HF's cache does (frequent words come early).
 */

/** One word's ids: a number when it is one token (most words), else the list. */
export type WordIds = number | number[];

export class WordCache {
  private readonly keys: (string | undefined)[];
  private readonly hashes: Int32Array;
  private readonly values: WordIds[];
  private readonly mask: number;
  private size = 0;

  constructor(
    private readonly limit: number,
    /** Longer words are rare and would only crowd the cache. */
    readonly maxWordLength: number
  ) {
    let capacity = 16;
    while (capacity < limit * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.values = new Array<WordIds>(capacity).fill(0);
  }

  /** FNV-1a over the UTF-16 units of text[start, end). */
  static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  get(text: string, start: number, end: number, hash: number): WordIds | undefined {
    const length = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const key = this.keys[slot];
      if (key === undefined) return undefined;
      if (this.hashes[slot] !== hash || key.length !== length) continue;
      let k = 0;
      while (k < length && key.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k === length) return this.values[slot];
    }
  }

  set(word: string, hash: number, ids: WordIds): void {
    if (this.size >= this.limit || word.length > this.maxWordLength) return;
    let slot = hash & this.mask;
    while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
    this.keys[slot] = word;
    this.hashes[slot] = hash;
    this.values[slot] = ids;
    this.size++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.size = 0;
  }
}
