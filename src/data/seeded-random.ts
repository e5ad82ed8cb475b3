import {mulberry32} from "../util/index.js";

/**
 * The generator behind `--seed`'s split and shuffle: mulberry32 with the seed first mixed with 0x9e3779b9. The
 * mixing is part of the stream: changing it would change every split made with a given seed.
 */
export function seededRandom(seed: number): () => number {
  return mulberry32(Math.trunc(seed) ^ 0x9e3779b9);
}
