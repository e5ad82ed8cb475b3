/** The few array loops both model backends run on our side of the runtime boundary. */

/**
 * What a micro-batch's loss is summed over (the `tokens` of LossAndGrads): the positions it trains, or for a
 * reward model its pairs. A reward row's mask holds its pooling weights, which sum to 1 (one last token, or
 * 1/length on every token), so a pair weighs 2.
 */
export function lossUnits(mask: Float32Array, reward: boolean): number {
  let n = 0;
  if (reward) {
    for (const v of mask) n += v;
    return Math.round(n / 2);
  }
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
