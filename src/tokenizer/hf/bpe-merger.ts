/**
 * BPE merging over token ids: repeatedly merges the adjacent pair with the lowest merge rank, leftmost first,
 * exactly as HF's BPE model does. Pairs live in an open-addressing hash table keyed by the two ids, which is
 * several times faster than a Map of strings.
 */

const NO_RANK = 0x7fffffff;
/** Words up to this many symbols use the simple rescanning loop; longer ones a heap (HF's 20,000-byte words). */
const QUADRATIC_LIMIT = 64;

/** Merge rules in rank order (rank r merges left[r] then right[r] into merged[r]). */
export interface MergeTable {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly merged: Int32Array;
}

export class BpeMerger {
  private readonly mask: number;
  private readonly keyLeft: Int32Array;
  private readonly keyRight: Int32Array;
  private readonly keyRank: Int32Array;
  /** The id a merge of rank r produces. */
  private readonly mergedIds: Int32Array;
  private ranks = new Int32Array(QUADRATIC_LIMIT);

  /** A pair listed twice keeps its first (lowest) rank. */
  constructor(rules: MergeTable) {
    const count = rules.merged.length;
    let capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keyLeft = new Int32Array(capacity).fill(-1);
    this.keyRight = new Int32Array(capacity);
    this.keyRank = new Int32Array(capacity);
    this.mergedIds = rules.merged;
    for (let rank = 0; rank < count; rank++) {
      const left = rules.left[rank]!;
      const right = rules.right[rank]!;
      let slot = this.slotOf(left, right);
      while (this.keyLeft[slot] !== -1 && !(this.keyLeft[slot] === left && this.keyRight[slot] === right)) slot = (slot + 1) & this.mask;
      if (this.keyLeft[slot] !== -1) continue;
      this.keyLeft[slot] = left;
      this.keyRight[slot] = right;
      this.keyRank[slot] = rank;
    }
  }

  private slotOf(left: number, right: number): number {
    let h = Math.imul(left, 0x85ebca6b) ^ Math.imul(right + 0x3c6ef372, 0xc2b2ae35);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** Rank of merging `left` then `right`, or NO_RANK. */
  rank(left: number, right: number): number {
    const keyLeft = this.keyLeft;
    let slot = this.slotOf(left, right);
    for (;;) {
      const k = keyLeft[slot]!;
      if (k === -1) return NO_RANK;
      if (k === left && this.keyRight[slot] === right) return this.keyRank[slot]!;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Merges `symbols[0, length)` in place and returns the new length. */
  merge(symbols: Int32Array, length: number): number {
    if (length < 2) return length;
    return length <= QUADRATIC_LIMIT ? this.mergeShort(symbols, length) : this.mergeLong(symbols, length);
  }

  private mergeShort(symbols: Int32Array, length: number): number {
    const ranks = this.ranks;
    let n = length;
    for (let i = 0; i < n - 1; i++) ranks[i] = this.rank(symbols[i]!, symbols[i + 1]!);
    for (;;) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i < n - 1; i++) {
        if (ranks[i]! < best) {
          best = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) return n;
      symbols[at] = this.mergedIds[best]!;
      for (let j = at + 1; j < n - 1; j++) {
        symbols[j] = symbols[j + 1]!;
        ranks[j] = ranks[j + 1]!;
      }
      n--;
      if (at > 0) ranks[at - 1] = this.rank(symbols[at - 1]!, symbols[at]!);
      if (at < n - 1) ranks[at] = this.rank(symbols[at]!, symbols[at + 1]!);
    }
  }

  /** Linked list of symbols and a binary heap of candidate merges keyed by (rank, position). */
  private mergeLong(symbols: Int32Array, length: number): number {
    const next = new Int32Array(length);
    const prev = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      next[i] = i + 1 < length ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new MinHeap(length);
    const pushPair = (at: number) => {
      const after = next[at]!;
      if (after < 0) return;
      const rank = this.rank(symbols[at]!, symbols[after]!);
      if (rank !== NO_RANK) heap.push(rank * 0x100000000 + at);
    };
    for (let i = 0; i < length - 1; i++) pushPair(i);
    const alive = new Uint8Array(length).fill(1);
    while (heap.size > 0) {
      const key = heap.pop();
      const at = key % 0x100000000;
      const rank = (key - at) / 0x100000000;
      if (!alive[at]) continue;
      const after = next[at]!;
      if (after < 0 || this.rank(symbols[at]!, symbols[after]!) !== rank) continue;
      symbols[at] = this.mergedIds[rank]!;
      alive[after] = 0;
      const afterNext = next[after]!;
      next[at] = afterNext;
      if (afterNext >= 0) prev[afterNext] = at;
      if (prev[at]! >= 0) pushPair(prev[at]!);
      pushPair(at);
    }
    let n = 0;
    for (let i = 0; i >= 0; i = next[i]!) symbols[n++] = symbols[i]!;
    return n;
  }
}

class MinHeap {
  private items: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Float64Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.size === this.items.length) {
      const grown = new Float64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const items = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.size]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && items[right]! < items[left]! ? right : left;
      if (items[child]! >= last) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
