import type {LlamaModel, Token} from "node-llama-cpp";

const REPLACEMENT = "\uFFFD";
/** A UTF-8 character spans at most 4 byte tokens. */
const MAX_PENDING = 3;
/** Enough preceding tokens for llama.cpp to decide on a leading space. */
const CONTEXT_TOKENS = 8;

/**
 * Turns generated tokens into text one at a time, holding back tokens that end inside a multi-byte character so
 * a delta never carries a broken character. Special tokens are rendered as their text so stop strings such as
 * `<|im_end|>` can match them, as h2oGPT's token-level stop words do.
 */
export class IncrementalDetokenizer {
  private pending: Token[] = [];
  private context: Token[];

  constructor(
    private readonly model: LlamaModel,
    promptTokens: readonly Token[]
  ) {
    this.context = promptTokens.slice(-CONTEXT_TOKENS);
  }

  push(token: Token): string {
    const tokens = this.pending.length === 0 ? [token] : [...this.pending, token];
    const text = this.model.detokenize(tokens, true, this.context);
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
    const text = this.model.detokenize(this.pending, true, this.context);
    this.pending = [];
    return text;
  }
}
