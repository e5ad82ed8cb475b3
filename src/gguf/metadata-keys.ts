/**
 * The prompt type a model was fine-tuned with (`h2ogpt finetune` writes it into adapters and models), so
 * generation can use it without --prompt_type. Not a llama.cpp key: llama.cpp ignores it.
 */
export const PROMPT_TYPE_KEY = "h2ogpt.prompt_type";

/**
 * A reward model written by `h2ogpt finetune --reward`: the scalar head (f32 array [hidden]) applied to the final
 * hidden state of a sequence's last token, its bias (f32), and the most tokens a scored sequence keeps (u32). Kept
 * in metadata, not as tensors: llama.cpp refuses a llama file with tensors it does not know.
 */
export const REWARD_HEAD_KEY = "h2ogpt.reward.head";
export const REWARD_BIAS_KEY = "h2ogpt.reward.bias";
export const REWARD_MAX_LENGTH_KEY = "h2ogpt.reward.max_length";
