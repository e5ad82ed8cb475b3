import {mulberry32} from "../util/index.js";

/**
 * `count` normal values of standard deviation `std` from mulberry32(seed): the same stream on every platform,
 * so a seed names one random model.
 * @example randomNormal(4, 0.02, 7) // Float32Array(4) [...]
 */
export function randomNormal(count: number, std: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // Box-Muller gives two independent normals per pair of uniforms.
    const radius = std * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}
