import type {DecodeOptions, EncodeOptions, EncodingWithOffsets, SpecialToken, Tokenizer, TokenizerBackend} from "./tokenizer.js";

/** What a tokenizer states about its vocabulary: everything a backend reports besides encoding and decoding. */
export type VocabularyFacts = Pick<
  Tokenizer,
  "vocabSize" | "bosTokenId" | "bosToken" | "eosTokenId" | "eosToken" | "padTokenId" | "padToken" | "specialTokens" | "modelMaxLength" | "warnings" | "chatTemplate"
>;

/** The fields every backend holds alike, and `count`, which is `encode`'s length for all of them. */
export abstract class TokenizerBase implements Tokenizer {
  abstract readonly backend: TokenizerBackend;
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly bosToken: string | undefined;
  readonly eosTokenId: number | undefined;
  readonly eosToken: string | undefined;
  readonly padTokenId: number | undefined;
  readonly padToken: string | undefined;
  readonly specialTokens: readonly SpecialToken[];
  readonly modelMaxLength: number | undefined;
  readonly warnings: readonly string[];
  readonly chatTemplate: string | undefined;

  constructor(
    readonly path: string,
    facts: VocabularyFacts
  ) {
    this.vocabSize = facts.vocabSize;
    this.bosTokenId = facts.bosTokenId;
    this.bosToken = facts.bosToken;
    this.eosTokenId = facts.eosTokenId;
    this.eosToken = facts.eosToken;
    this.padTokenId = facts.padTokenId;
    this.padToken = facts.padToken;
    this.specialTokens = facts.specialTokens;
    this.modelMaxLength = facts.modelMaxLength;
    this.warnings = facts.warnings;
    this.chatTemplate = facts.chatTemplate;
  }

  abstract encode(text: string, options?: EncodeOptions): number[];
  abstract encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets;
  abstract decode(ids: readonly number[], options?: DecodeOptions): string;
  abstract dispose(): Promise<void>;

  count(text: string, options?: EncodeOptions): number {
    return this.encode(text, options).length;
  }
}
