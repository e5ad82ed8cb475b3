/** The few array loops both model backends run on our side of the runtime boundary. */

/** How many positions count in the loss (the `tokens` of LossAndGrads). */
export function countTokens(mask: Float32Array): number {
  let n = 0;
  for (const v of mask) if (v !== 0) n++;
  return n;
}

/**
 * Adds each position's input gradient to its token's embedding row: the embedding lookup's backward, done here
 * because a repeated token must accumulate, which a runtime's scatter would overwrite.
 */
export function scatterAddRows(target: Float32Array, rows: Float32Array, ids: Int32Array, width: number): void {
  for (let i = 0; i < ids.length; i++) {
    const base = ids[i]! * width;
    const src = i * width;
    for (let j = 0; j < width; j++) target[base + j] += rows[src + j]!;
  }
}
