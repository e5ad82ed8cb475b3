/**
 * cos/sin of the RoPE angles, computed the way ggml's CPU kernel does (float32, theta multiplied by
 * base^(-2/n) once per pair rather than raised to a power), so positions far along match llama.cpp.
 * Returned as [length, headDim/2] row-major.
 */
export function ropeTables(options: {length: number; headDim: number; freqBase: number}): {
  cos: Float32Array;
  sin: Float32Array;
} {
  const {length, headDim, freqBase} = options;
  const half = headDim / 2;
  const thetaScale = Math.fround(Math.pow(freqBase, -2 / headDim));
  const cos = new Float32Array(length * half);
  const sin = new Float32Array(length * half);
  for (let p = 0; p < length; p++) {
    let theta = Math.fround(p);
    for (let i = 0; i < half; i++) {
      cos[p * half + i] = Math.cos(theta);
      sin[p * half + i] = Math.sin(theta);
      theta = Math.fround(theta * thetaScale);
    }
  }
  return {cos, sin};
}
