import {ContextOverflowError} from "../errors/index.js";
import {maxNewTokens} from "../tokenizer/index.js";

export type Truncation = "error" | "left";

export interface FitPromptOptions<T = string> {
  /** The prompt keeping the `keep` most recent history exchanges, with the first `cut` characters of the message removed. */
  readonly render: (keep: number, cut: number) => T;
  readonly count: (prompt: T) => Promise<number>;
  /** History exchanges available (not counting the system prompt or the current message). */
  readonly historyTurns: number;
  /** Length of what truncation `left` may cut (the context and the current message), in characters. */
  readonly messageLength: number;
  /** Says what did not fit, after the numbers (default: the message alone). */
  readonly overflowDetail?: string;
  readonly contextLength: number;
  /** h2oGPT's max_new_tokens. */
  readonly requested: number;
  /** h2oGPT's min_max_new_tokens: history is dropped until this much room is left for the answer. */
  readonly minMaxNewTokens: number;
  /** `left` keeps the end of a message too long for the context instead of failing. */
  readonly truncation: Truncation;
}

export interface FittedPrompt<T = string> {
  readonly prompt: T;
  readonly promptTokens: number;
  readonly maxNewTokens: number;
  readonly turnsDropped: number;
  /** Characters removed from the start of the current message (truncation `left`). */
  readonly truncatedChars: number;
}

const MESSAGE_OVERFLOW = "the message alone does not fit; shorten it, raise --max_seq_len, or use --truncation=left";

/** The largest n in [low, high] with ok(n), given ok is monotone (true up to some n) and ok(low) holds. */
async function largest(low: number, high: number, ok: (n: number) => Promise<boolean>): Promise<number> {
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (await ok(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * h2oGPT's get_limited_prompt budget, without silent truncation: keep the system prompt and the current message,
 * drop the oldest history exchanges until the prompt leaves room for min(max_new_tokens, min_max_new_tokens,
 * half the context) new tokens, then grant min(max_new_tokens, context - prompt) (2048 context and a 1900-token
 * prompt grant 148). A current message (with its context) that leaves no room is a ContextOverflowError carrying
 * both numbers, unless truncation is `left`, which cuts the start of the text until the reserve fits.
 */
export async function fitPrompt<T>(options: FitPromptOptions<T>): Promise<FittedPrompt<T>> {
  const {render, count, historyTurns, contextLength, requested} = options;
  const reserve = Math.max(1, Math.min(requested, options.minMaxNewTokens, Math.floor(contextLength / 2)));
  const budget = contextLength - reserve;
  const tokensFor = new Map<string, number>();
  const measure = async (keep: number, cut: number): Promise<number> => {
    const key = `${keep}:${cut}`;
    let tokens = tokensFor.get(key);
    if (tokens == null) tokensFor.set(key, (tokens = await count(render(keep, cut))));
    return tokens;
  };

  let keep = historyTurns;
  if ((await measure(keep, 0)) > budget)
    keep = historyTurns === 0 || (await measure(0, 0)) > budget ? 0 : await largest(0, historyTurns, async (n) => (await measure(n, 0)) <= budget);

  let cut = 0;
  let promptTokens = await measure(keep, 0);
  if (promptTokens >= contextLength) {
    if (options.truncation !== "left") {
      throw new ContextOverflowError(promptTokens, contextLength, options.overflowDetail ?? MESSAGE_OVERFLOW);
    }
    const fits = async (c: number): Promise<boolean> => (await measure(0, c)) <= budget;
    // The fewest characters to remove: search over how many to keep.
    const kept = await largest(0, options.messageLength, async (k) => fits(options.messageLength - k));
    cut = options.messageLength - kept;
    promptTokens = await measure(0, cut);
    if (promptTokens >= contextLength) throw new ContextOverflowError(promptTokens, contextLength, "even without the message the prompt does not fit");
  }
  return {
    prompt: render(keep, cut),
    promptTokens,
    maxNewTokens: maxNewTokens({contextLength, promptTokens, requested}),
    turnsDropped: historyTurns - keep,
    truncatedChars: cut
  };
}
