import type {SpecialToken} from "./tokenizer.js";

/** What tokenizer_config.json (or a GGUF's metadata) says about a vocabulary beyond the ids themselves. */
export interface TokenMetadata {
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly padToken?: string;
  readonly modelMaxLength?: number;
  readonly chatTemplate?: string;
  /** transformers' `clean_up_tokenization_spaces`: `decode` removes the space before punctuation. */
  readonly cleanUpTokenizationSpaces?: boolean;
}

/**
 * Conventional special-token names, for a tokenizer.json that comes without a tokenizer_config.json (such as
 * the GPT-NeoX-20B fixture): the first name present wins. `<|endoftext|>` is both BOS and EOS in the
 * GPT-2/GPT-NeoX configs on the Hugging Face hub.
 */
const CONVENTIONAL_NAMES: Readonly<Record<"bosToken" | "eosToken" | "padToken", readonly string[]>> = {
  bosToken: ["<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>", "<|endoftext|>"],
  eosToken: ["</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"],
  padToken: ["<pad>", "[PAD]", "<|pad|>"]
};

/** Fills the BOS/EOS/pad names the metadata lacks from the conventional names among the special tokens. */
export function withConventionalTokens(metadata: TokenMetadata, specialTokens: readonly SpecialToken[]): TokenMetadata {
  const present = new Set(specialTokens.map((token) => token.content));
  const pick = (key: keyof typeof CONVENTIONAL_NAMES) => metadata[key] ?? CONVENTIONAL_NAMES[key].find((name) => present.has(name));
  return {...metadata, bosToken: pick("bosToken"), eosToken: pick("eosToken"), padToken: pick("padToken")};
}

/** transformers' clean_up_tokenization: the space before these endings goes. */
const CLEAN_UP_PAIRS: readonly (readonly [string, string])[] = [
  [" .", "."],
  [" ?", "?"],
  [" !", "!"],
  [" ,", ","],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"]
];

export function cleanUpTokenizationSpaces(text: string): string {
  return CLEAN_UP_PAIRS.reduce((result, [from, to]) => result.replaceAll(from, to), text);
}
