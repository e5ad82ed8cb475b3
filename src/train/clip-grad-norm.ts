/** Scales gradients in place so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_); returns the norm before clipping. */
export function clipGradNorm(grads: ReadonlyMap<string, Float32Array>, maxNorm: number): number {
  let sumSquares = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sumSquares += g[i]! * g[i]!;
  const norm = Math.sqrt(sumSquares);
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i]! *= scale;
  }
  return norm;
}
