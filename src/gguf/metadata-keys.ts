/**
 * The prompt type a model was fine-tuned with (`h2ogpt finetune` writes it into adapters and models), so
 * generation can use it without --prompt_type. Not a llama.cpp key: llama.cpp ignores it.
 */
export const PROMPT_TYPE_KEY = "h2ogpt.prompt_type";

/**
 * A reward model written by `h2ogpt finetune --reward`: the scalar head (f32 array [hidden]) applied to a sequence's
 * pooled final hidden state (its last token's, or the mean when the file names llama.cpp's mean pooling), its bias
 * (f32), and the most tokens a scored sequence keeps (u32). Kept in metadata, not as tensors: llama.cpp refuses a
 * llama file with tensors it does not know.
 */
export const REWARD_HEAD_KEY = "h2ogpt.reward.head";
export const REWARD_BIAS_KEY = "h2ogpt.reward.bias";
export const REWARD_MAX_LENGTH_KEY = "h2ogpt.reward.max_length";

/** llama.cpp's `{arch}.pooling_type`: how an embedding context pools the final hidden states. */
export function poolingTypeKey(architecture: string): string {
  return `${architecture}.pooling_type`;
}

/** The values of llama.cpp's `llama_pooling_type` (none gives the last token's state). */
export const POOLING_TYPE = {none: 0, mean: 1, cls: 2, last: 3, rank: 4} as const;
