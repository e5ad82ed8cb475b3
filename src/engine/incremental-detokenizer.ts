import type {LlamaModel, Token} from "node-llama-cpp";

const REPLACEMENT = "\uFFFD";
/** A UTF-8 character spans at most 4 byte tokens. */
const MAX_PENDING = 3;
/** Enough preceding tokens for llama.cpp to decide on a leading space. */
const CONTEXT_TOKENS = 8;

/**
 * Turns generated tokens into text one at a time, holding back tokens that end inside a multi-byte character so
 * a delta never carries a broken character. A control token (BOS, or `<|im_start|>` where it does not end the
 * answer) adds no text, as llama-server and h2oGPT's `skip_special_tokens` leave it out, unless a stop string holds
 * its text: then the text is there for the stop string to match, as h2oGPT's token-level stop words match it.
 */
export class IncrementalDetokenizer {
  private pending: Token[] = [];
  private context: Token[];

  constructor(
    private readonly model: LlamaModel,
    promptTokens: readonly Token[],
    private readonly stop: readonly string[]
  ) {
    this.context = promptTokens.slice(-CONTEXT_TOKENS);
  }

  /** Whether the token's special text is rendered; other tokens read the same either way. */
  private rendersSpecial(token: Token): boolean {
    if (this.stop.length === 0 || !this.model.getTokenAttributes(token).control) return false;
    const text = this.model.detokenize([token], true);
    return this.stop.some((stop) => stop.includes(text));
  }

  push(token: Token): string {
    const tokens = this.pending.length === 0 ? [token] : [...this.pending, token];
    const text = this.model.detokenize(tokens, this.rendersSpecial(token), this.context);
    if (text.endsWith(REPLACEMENT) && this.pending.length < MAX_PENDING && !this.model.isSpecialToken(token)) {
      this.pending = tokens;
      return "";
    }
    this.pending = [];
    this.context = this.context.length + tokens.length > 2 * CONTEXT_TOKENS ? [...this.context, ...tokens].slice(-CONTEXT_TOKENS) : [...this.context, ...tokens];
    return text;
  }

  flush(): string {
    if (this.pending.length === 0) return "";
    const text = this.model.detokenize(this.pending, false, this.context);
    this.pending = [];
    return text;
  }
}
