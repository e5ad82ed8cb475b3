import type {TokenMetadata} from "../token-metadata.js";
import type {SpecialToken} from "../tokenizer.js";
import type {VocabularyFacts} from "../tokenizer-base.js";
import type {AddedTokenJson} from "./tokenizer-json.js";

/** The added tokens marked special, in id order. */
export function specialAddedTokens(addedTokens: readonly AddedTokenJson[]): SpecialToken[] {
  return addedTokens
    .filter((token) => token.special === true)
    .map(({id, content}) => ({id, content}))
    .sort((a, b) => a.id - b.id);
}

export interface AddedTokenFactsOptions {
  readonly vocabSize: number;
  readonly addedTokens: readonly AddedTokenJson[];
  /** tokenizer_config.json's names, already completed with the conventional ones. */
  readonly metadata: TokenMetadata;
  /** The id of a token's text, as the backend looks it up. */
  readonly idOf: (content: string) => number | undefined;
}

/** A tokenizer.json's vocabulary facts: special tokens from its added tokens, BOS/EOS/pad ids by their names. */
export function addedTokenFacts({vocabSize, addedTokens, metadata, idOf}: AddedTokenFactsOptions): VocabularyFacts {
  const idOfName = (content: string | undefined) => (content === undefined ? undefined : idOf(content));
  return {
    vocabSize,
    specialTokens: specialAddedTokens(addedTokens),
    bosToken: metadata.bosToken,
    bosTokenId: idOfName(metadata.bosToken),
    eosToken: metadata.eosToken,
    eosTokenId: idOfName(metadata.eosToken),
    padToken: metadata.padToken,
    padTokenId: idOfName(metadata.padToken),
    modelMaxLength: metadata.modelMaxLength,
    chatTemplate: metadata.chatTemplate,
    warnings: []
  };
}
