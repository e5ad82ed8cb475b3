import type {BpeVocabulary} from "./bpe-vocabulary.js";
import {BYTE_TO_CHAR} from "./byte-level.js";
import {components, describe, planPostProcessorFor, type BpePlan} from "./plan-parts.js";
import {compileOnigurumaPattern} from "./regex-split.js";
import type {BpeModelJson, ComponentJson, TokenizerJson} from "./tokenizer-json.js";

/**
 * Decides whether a tokenizer.json belongs to the byte-level BPE family our fast path implements (GPT-2,
 * GPT-NeoX, Llama 3, Qwen, Mistral-Nemo...) and, if so, extracts what it needs. Anything else gets a reason,
 * and the loader uses the @huggingface/tokenizers backend.
 */

/** GPT-2's pattern, which the ByteLevel pre-tokenizer applies when `use_regex` is on. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Bytes valid UTF-8 never contains; some byte-level vocabularies (GPT-NeoX) leave them out. */
const NEVER_IN_UTF8 = (byte: number) => byte === 0xc0 || byte === 0xc1 || byte >= 0xf5;

export type WordSplit = {readonly kind: "gpt2"} | {readonly kind: "regex"; readonly regex: RegExp} | {readonly kind: "none"};

export interface FastBpePlan extends BpePlan {
  /** Vocabulary id of each byte's character. */
  readonly byteIds: Int32Array;
  readonly nfc: boolean;
  readonly split: WordSplit;
  readonly addPrefixSpace: boolean;
  readonly ignoreMerges: boolean;
}

export type FastBpePlanResult = {readonly plan: FastBpePlan} | {readonly unsupported: string};

function planNormalizer(normalizer: ComponentJson | null | undefined): boolean | string {
  if (normalizer == null) return false;
  const parts = components(normalizer, "normalizers");
  if (parts.every((part) => part.type === "NFC")) return parts.length > 0;
  return `normalizer ${describe(normalizer)}`;
}

function planPreTokenizer(pre: ComponentJson | null | undefined): {split: WordSplit; addPrefixSpace: boolean} | string {
  if (pre == null) return "no pre-tokenizer (not byte-level)";
  const parts = components(pre, "pretokenizers");
  const last = parts[parts.length - 1];
  if (last?.type !== "ByteLevel") return `pre-tokenizer ${describe(pre)}`;
  const addPrefixSpace = last.add_prefix_space === true;
  const byteLevelSplits = last.use_regex !== false;
  if (parts.length === 1) return {split: byteLevelSplits ? {kind: "gpt2"} : {kind: "none"}, addPrefixSpace};
  const split = parts[0]!;
  const pattern = split.pattern as {Regex?: string; String?: string} | undefined;
  if (parts.length !== 2 || byteLevelSplits || split.type !== "Split" || split.behavior !== "Isolated" || split.invert === true) {
    return `pre-tokenizer ${describe(pre)}`;
  }
  if (pattern?.Regex === GPT2_PATTERN) return {split: {kind: "gpt2"}, addPrefixSpace};
  const source = pattern?.Regex ?? (pattern?.String ?? "").replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  const regex = source === "" ? undefined : compileOnigurumaPattern(source);
  if (regex === undefined) return `split pattern ${JSON.stringify(pattern)} has no JavaScript equivalent`;
  return {split: {kind: "regex", regex}, addPrefixSpace};
}

function planDecoder(decoder: ComponentJson | null | undefined): string | undefined {
  if (decoder == null) return "no decoder";
  const parts = components(decoder, "decoders");
  return parts.length === 1 && parts[0]!.type === "ByteLevel" ? undefined : `decoder ${describe(decoder)}`;
}

/** The vocabulary id of each byte's character; bytes UTF-8 never holds may be missing (-1). */
function byteIdsOf(tokenId: (token: string) => number | undefined): Int32Array | string {
  const byteIds = new Int32Array(256).fill(-1);
  for (let b = 0; b < 256; b++) {
    const id = tokenId(BYTE_TO_CHAR[b]!);
    if (id !== undefined) byteIds[b] = id;
    else if (!NEVER_IN_UTF8(b)) return `vocabulary lacks byte ${b} (not byte-level)`;
  }
  return byteIds;
}

/** A BPE tokenizer.json's byte-level plan, given its vocabulary (read once for both fast paths). */
export function planFastBpe(json: TokenizerJson, vocabulary: BpeVocabulary): FastBpePlanResult {
  const nfc = planNormalizer(json.normalizer);
  if (typeof nfc === "string") return {unsupported: nfc};
  const pre = planPreTokenizer(json.pre_tokenizer);
  if (typeof pre === "string") return {unsupported: pre};
  const decoder = planDecoder(json.decoder);
  if (decoder !== undefined) return {unsupported: decoder};
  const byteIds = byteIdsOf(vocabulary.tokenId);
  if (typeof byteIds === "string") return {unsupported: byteIds};
  const post = planPostProcessorFor(json, vocabulary.tokenId);
  if (typeof post === "string") return {unsupported: post};
  const ignoreMerges = (json.model as unknown as BpeModelJson).ignore_merges === true;
  return {plan: {...vocabulary, byteIds, ignoreMerges, nfc, ...pre, prefixIds: post.prefix, suffixIds: post.suffix}};
}
