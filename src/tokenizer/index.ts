/**
 * Tokenizers: HF tokenizer.json (our fast byte-level and SentencePiece-style BPE, else @huggingface/tokenizers)
 * and GGUF vocabularies (llama.cpp). See docs/tokenizers.md.
 */
export type {DecodeOptions, EncodeOptions, EncodingWithOffsets, SpecialToken, Tokenizer, TokenizerBackend} from "./tokenizer.js";
export {loadTokenizer, type LoadTokenizerOptions, releaseTokenizerRuntime} from "./load-tokenizer.js";
export {maxNewTokens, type MaxNewTokensOptions} from "./max-new-tokens.js";
export {UnknownTokenIdError} from "./tokenizer-errors.js";
export {type EncodePairOptions, loadPairEncoder, PairEncoder, type PairEncoding, PairTooShortError, truncatedLengths} from "./encode-pair.js";
export {type PairPostProcessor, pairPostProcessor} from "./pair-post-processor.js";
