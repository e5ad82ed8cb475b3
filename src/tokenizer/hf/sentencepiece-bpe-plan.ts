import type {BpeVocabulary} from "./bpe-vocabulary.js";
import {components, describe, planPostProcessorFor, type BpePlan} from "./plan-parts.js";
import {fallbackByte, META_SPACE} from "./sentencepiece-symbols.js";
import type {BpeModelJson, ComponentJson, TokenizerJson} from "./tokenizer-json.js";

/**
 * Decides whether a tokenizer.json is SentencePiece converted to BPE the way transformers writes Llama 2,
 * Mistral 7B, TinyLlama or CodeLlama files: normalizer Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer,
 * BPE over characters with byte fallback, decoder Replace + ByteFallback + Fuse + Strip.
 */

export interface SentencePieceBpePlan extends BpePlan {
  readonly unkId: number | undefined;
  readonly fuseUnk: boolean;
  readonly byteFallback: boolean;
  /** Leading spaces the decoder strips (1 for Llama: the prepended "▁"). */
  readonly decodeStrip: number;
  /**
   * True when no merge joins a symbol ending in a non-"▁" character to one starting with "▁": text can then
   * be cut before each such "▁" into words that merge on their own, and words can be cached.
   */
  readonly wordsMergeAlone: boolean;
  /**
   * True when no merge involves a `<0xXX>` byte token: a character spelled by byte fallback then never merges
   * with its neighbours, and the text can also be cut on both sides of it (newlines in Llama 2).
   */
  readonly byteTokensMergeAlone: boolean;
}

export type SentencePieceBpePlanResult = {readonly plan: SentencePieceBpePlan} | {readonly unsupported: string};

function isLlamaNormalizer(normalizer: ComponentJson | null | undefined): boolean {
  if (normalizer == null) return false;
  const [prepend, replace, ...rest] = components(normalizer, "normalizers");
  return (
    rest.length === 0 &&
    prepend?.type === "Prepend" &&
    prepend.prepend === META_SPACE &&
    replace?.type === "Replace" &&
    (replace.pattern as {String?: string} | undefined)?.String === " " &&
    replace.content === META_SPACE
  );
}

/** The decoder's leading-space strip, or undefined when it is not Llama's decoder chain. */
function llamaDecoderStrip(decoder: ComponentJson | null | undefined): number | undefined {
  if (decoder == null) return undefined;
  const [replace, byteFallback, fuse, strip, ...rest] = components(decoder, "decoders");
  const ok =
    rest.length === 0 &&
    replace?.type === "Replace" &&
    (replace.pattern as {String?: string} | undefined)?.String === META_SPACE &&
    replace.content === " " &&
    byteFallback?.type === "ByteFallback" &&
    fuse?.type === "Fuse" &&
    strip?.type === "Strip" &&
    strip.content === " " &&
    Number(strip.stop ?? 0) === 0;
  return ok ? Number(strip!.start ?? 0) : undefined;
}

function byteTokensNeverMerge(vocabulary: BpeVocabulary): boolean {
  const {left, right} = vocabulary.merges;
  const isByteToken = (id: number) => fallbackByte(vocabulary.tokenStrings[id]!) >= 0;
  for (let rank = 0; rank < left.length; rank++) if (isByteToken(left[rank]!) || isByteToken(right[rank]!)) return false;
  return true;
}

function mergesStayInsideWords(vocabulary: BpeVocabulary): boolean {
  const {left, right} = vocabulary.merges;
  for (let rank = 0; rank < left.length; rank++) {
    const leftToken = vocabulary.tokenStrings[left[rank]!]!;
    const rightToken = vocabulary.tokenStrings[right[rank]!]!;
    if (rightToken.startsWith(META_SPACE) && !leftToken.endsWith(META_SPACE)) return false;
  }
  return true;
}

export function planSentencePieceBpe(json: TokenizerJson, vocabulary: BpeVocabulary): SentencePieceBpePlanResult {
  const model = json.model as unknown as BpeModelJson;
  if (!isLlamaNormalizer(json.normalizer)) return {unsupported: `normalizer ${describe(json.normalizer ?? {type: "none"})}`};
  if (json.pre_tokenizer != null) return {unsupported: `pre-tokenizer ${describe(json.pre_tokenizer)}`};
  const decodeStrip = llamaDecoderStrip(json.decoder);
  if (decodeStrip === undefined) return {unsupported: `decoder ${describe(json.decoder ?? {type: "none"})}`};
  if (model.ignore_merges === true) return {unsupported: "ignore_merges on a SentencePiece model"};
  const unkId = model.unk_token == null ? undefined : vocabulary.tokenId(model.unk_token);
  const post = planPostProcessorFor(json, vocabulary.tokenId);
  if (typeof post === "string") return {unsupported: post};
  return {
    plan: {
      ...vocabulary,
      unkId,
      fuseUnk: model.fuse_unk === true,
      byteFallback: model.byte_fallback === true,
      decodeStrip,
      wordsMergeAlone: vocabulary.tokenId(META_SPACE) !== undefined && mergesStayInsideWords(vocabulary),
      byteTokensMergeAlone: model.byte_fallback === true && byteTokensNeverMerge(vocabulary),
      prefixIds: post.prefix,
      suffixIds: post.suffix
    }
  };
}
