/** Float64 building blocks of the plain-JS reference forward passes (score-model.ts, reranker-reference.ts, test/hf/hf-reference-forward.ts). */

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

/**
 * Bidirectional multi-head attention in float64: for each position, each head's softmax(q.k / sqrt(d)) over every
 * position, applied to v. Rows are [heads * d]; the output projection is the caller's.
 */
export function referenceSelfAttention(q: readonly Float64Array[], k: readonly Float64Array[], v: readonly Float64Array[], heads: number): Float64Array[] {
  const width = q[0]?.length ?? 0;
  const d = width / heads;
  return q.map((query) => {
    const context = new Float64Array(width);
    for (let head = 0; head < heads; head++) {
      const scores = k.map((key) => {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += query[head * d + j]! * key[head * d + j]!;
        return dot / Math.sqrt(d);
      });
      const top = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - top));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let s = 0; s < v.length; s++) for (let j = 0; j < d; j++) context[head * d + j]! += (exps[s]! / total) * v[s]![head * d + j]!;
    }
    return context;
  });
}
