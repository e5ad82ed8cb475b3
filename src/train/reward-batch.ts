import type {MicroBatch} from "./model-backend.js";
import type {TrainRow} from "./micro-batch.js";

/** The reward head's trainable tensor: a vector [d] applied to a row's pooled final-norm hidden state. */
export const REWARD_HEAD_TENSOR = "cls.output.weight";

/**
 * Which hidden state the head reads: the last token's (the EOS appended to every sequence; as TRL's and
 * OpenAssistant's causal reward models) or the mean over every token (llama.cpp's MEAN pooling, so the written
 * GGUF scores the same in llama.cpp).
 */
export type RewardPooling = "last" | "mean";
export const REWARD_POOLINGS: readonly RewardPooling[] = ["last", "mean"];

/**
 * One preference pair, tokenized: `inputIds` is the chosen text (prompt + chosen answer) and `rejectedIds` the
 * rejected one. It is a TrainRow (labels = inputIds) so finetune's shuffling, grouping and checks treat a pair as
 * one row.
 */
export interface RewardRow extends TrainRow {
  readonly rejectedIds: ArrayLike<number>;
  readonly split?: "train" | "valid";
}

export function isRewardRow(row: TrainRow): row is RewardRow {
  return (row as Partial<RewardRow>).rejectedIds != null;
}

/** Tokens a pair feeds the model (both sequences), for tokens/s. */
export function rewardRowTokens(row: RewardRow): number {
  return row.inputIds.length + row.rejectedIds.length;
}

/**
 * Pads pairs into one micro-batch of 2 x pairs rows (2i chosen, 2i+1 rejected), every token fed; `lossMask` holds
 * each sequence's pooling weights (1 at its last token, or 1/length on each of its tokens), which the backends'
 * reward graphs sum the head's outputs with; `targets` are unused. Lengths are rounded up to `multipleOf` and a
 * short batch is filled with empty pairs up to `batchSize` pairs, as toMicroBatch does.
 *
 * @example
 * const batch = toRewardBatch([{inputIds: [1, 2, 3], labels: [1, 2, 3], rejectedIds: [1, 4]}], {multipleOf: 8});
 * // batch.batchSize === 2, batch.length === 8, lossMask[2] === 1, lossMask[8 + 1] === 1
 */
export function toRewardBatch(
  rows: readonly RewardRow[],
  options: {padTokenId?: number; multipleOf?: number; batchSize?: number; pooling?: RewardPooling} = {}
): MicroBatch {
  const padId = options.padTokenId ?? 0;
  const multiple = Math.max(1, options.multipleOf ?? 8);
  const longest = Math.max(1, ...rows.map((row) => Math.max(row.inputIds.length, row.rejectedIds.length)));
  const length = Math.ceil(longest / multiple) * multiple;
  const batchSize = 2 * Math.max(rows.length, options.batchSize ?? 0);
  const tokens = new Int32Array(batchSize * length).fill(padId);
  const targets = new Int32Array(batchSize * length);
  const lossMask = new Float32Array(batchSize * length);
  rows.forEach((row, r) => {
    [row.inputIds, row.rejectedIds].forEach((ids, side) => {
      const base = (2 * r + side) * length;
      for (let t = 0; t < ids.length; t++) tokens[base + t] = ids[t]!;
      if (options.pooling === "mean") lossMask.fill(1 / ids.length, base, base + ids.length);
      else if (ids.length > 0) lossMask[base + ids.length - 1] = 1;
    });
  });
  return {batchSize, length, tokens, targets, lossMask};
}
