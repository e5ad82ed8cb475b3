/**
 * The prompt type a model was fine-tuned with (`h2ogpt finetune` writes it into adapters and models), so
 * generation can use it without --prompt_type. Not a llama.cpp key: llama.cpp ignores it.
 */
export const PROMPT_TYPE_KEY = "h2ogpt.prompt_type";
