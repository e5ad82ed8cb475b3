/** The one tokenizer interface every stage uses, whatever file the vocabulary came from. */

export interface EncodeOptions {
  /**
   * Add what the model's post-processor adds around a sequence (a llama-style BOS; nothing for GPT-NeoX), as
   * HF's `tokenizer(text)` does. Default true.
   */
  readonly addSpecialTokens?: boolean;
  /**
   * Recognise special-token text such as `<|endoftext|>` in the input as the special token (default true, as HF
   * and h2oGPT do). False encodes it as ordinary text, so user input cannot inject an end-of-sequence.
   */
  readonly recognizeSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens (EOS, padding...). Default false, as HF's `decode`. */
  readonly skipSpecialTokens?: boolean;
}

/** Ids with the span of the input each one came from. */
export interface EncodingWithOffsets {
  readonly ids: number[];
  /**
   * `[start, end)` in UTF-16 code units of the input, one pair per id. Spans are not trimmed of spaces (HF's
   * `trim_offsets` is not applied), so they tile the input: `text.slice(start, end)` is the text a token
   * stands for. Tokens that split one character (byte-level pieces of an emoji) share that character's span;
   * inserted tokens (BOS, a prefix space) have an empty span.
   */
  readonly offsets: [number, number][];
}

export interface SpecialToken {
  readonly id: number;
  readonly content: string;
}

/** Which implementation encodes: our byte-level BPE, the @huggingface/tokenizers library, or llama.cpp. */
export type TokenizerBackend = "fast-bpe" | "huggingface-tokenizers" | "llama.cpp";

export interface Tokenizer {
  readonly backend: TokenizerBackend;
  /** The file the vocabulary was read from. */
  readonly path: string;
  /** One more than the largest id the tokenizer can produce. */
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly bosToken: string | undefined;
  readonly eosTokenId: number | undefined;
  readonly eosToken: string | undefined;
  readonly padTokenId: number | undefined;
  readonly padToken: string | undefined;
  /** Tokens marked special (skipped by `decode` with skipSpecialTokens), in id order. */
  readonly specialTokens: readonly SpecialToken[];
  /** The model's context length as the tokenizer files state it, or undefined when they do not. */
  readonly modelMaxLength: number | undefined;
  /** What loading noticed that may matter, such as llama.cpp's warnings about the file. */
  readonly warnings: readonly string[];
  /** The Jinja chat template from tokenizer_config.json / chat_template.jinja or the GGUF, if any. */
  readonly chatTemplate: string | undefined;

  encode(text: string, options?: EncodeOptions): number[];
  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets;
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The number of ids `encode(text, options)` returns. */
  count(text: string, options?: EncodeOptions): number;
  /** Frees native memory (llama.cpp); the tokenizer must not be used afterwards. */
  dispose(): Promise<void>;
}
