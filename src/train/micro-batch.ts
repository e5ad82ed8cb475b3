import type {MicroBatch} from "./model-backend.js";

/** A tokenized training row: h2oGPT's `input_ids` and `labels` (-100 = not trained on). */
export interface TrainRow {
  readonly inputIds: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
}

export const IGNORE_INDEX = -100;

/** Tokens a row contributes to the loss: labels after the first position that are not -100. */
export function trainedTokens(row: TrainRow): number {
  let n = 0;
  for (let i = 1; i < row.labels.length; i++) if (row.labels[i] !== IGNORE_INDEX) n++;
  return n;
}

/**
 * Pads rows on the right into one batch, shifting labels so position t predicts token t+1 as Hugging Face's
 * causal LM loss does. The last input token predicts nothing, so it is not fed. Lengths are rounded up to
 * `multipleOf` (DataCollatorForSeq2Seq's pad_to_multiple_of=8) and a short last batch can be filled with masked
 * rows up to `batchSize`, so few distinct shapes reach the backend: each shape costs a compilation and memory
 * that jax-js's allocator keeps for that shape.
 */
export function toMicroBatch(
  rows: readonly TrainRow[],
  options: {padTokenId?: number; multipleOf?: number; batchSize?: number} = {}
): MicroBatch {
  const padId = options.padTokenId ?? 0;
  const multiple = Math.max(1, options.multipleOf ?? 8);
  const longest = Math.max(1, ...rows.map((row) => row.inputIds.length - 1));
  const length = Math.ceil(longest / multiple) * multiple;
  const batchSize = Math.max(rows.length, options.batchSize ?? 0);
  const tokens = new Int32Array(batchSize * length).fill(padId);
  const targets = new Int32Array(batchSize * length);
  const lossMask = new Float32Array(batchSize * length);
  rows.forEach((row, r) => {
    const base = r * length;
    for (let t = 0; t + 1 < row.inputIds.length; t++) {
      tokens[base + t] = row.inputIds[t]!;
      const label = row.labels[t + 1]!;
      if (label !== IGNORE_INDEX) {
        targets[base + t] = label;
        lossMask[base + t] = 1;
      }
    }
  });
  return {batchSize, length, tokens, targets, lossMask};
}
