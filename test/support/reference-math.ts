/** Float64 building blocks of the plain-JS reference forward passes (score-model.ts, test/hf/hf-reference-forward.ts). */

/** LayerNorm of `x` (mean and biased variance over the vector) with gain `g`, bias `b` and `eps`, in float64. */
export function referenceLayerNorm(x: Float64Array, g: ArrayLike<number>, b: ArrayLike<number>, eps: number): Float64Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  variance /= x.length;
  const scale = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * scale * g[i]! + b[i]!);
}
