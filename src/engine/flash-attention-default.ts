/**
 * The longest context per sequence that gets flash attention by default. At this length its cost on a follow-up
 * turn stays small (built-in model, 320 tokens of history: 8 ms with it, 6 without; 30M model at 550 tokens: 14
 * against 5 ms), and short chats decode faster: the built-in model (512 tokens) served 8 streams at 2,379-2,592
 * tokens/s with it and 1,691-1,845 without (`h2ogpt serve`, two alternating pairs).
 */
export const FLASH_ATTENTION_MAX_CONTEXT = 512;
