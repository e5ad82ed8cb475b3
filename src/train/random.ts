/**
 * A small seeded generator (sfc32) so a run with the same --seed draws the same initial weights, shuffles
 * and dropout masks. Its state is four numbers, saved in checkpoints so a resumed run continues the stream.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seedOrState: number | readonly number[]) {
    if (typeof seedOrState !== "number") {
      [this.#a, this.#b, this.#c, this.#d] = seedOrState.map((v) => v >>> 0) as [number, number, number, number];
      return;
    }
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seedOrState >>> 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  get state(): number[] {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A derived generator, so independent streams (shuffle, dropout) do not shift each other. */
  fork(): Random {
    return new Random([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32() | 1]);
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): number[] {
    const order = Array.from({length: n}, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }
}
