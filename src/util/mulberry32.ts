/**
 * mulberry32: a small seeded generator, uniform in [0, 1). Math.random cannot be seeded; this gives the same
 * stream on every machine and Node version, so a seed names one split, one sample, one random model. Golden
 * vectors and test models depend on the exact sequence: do not change it.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
