import {InputFileError} from "../../errors/index.js";
import {BYTE_TO_CHAR} from "./byte-level.js";
import {compileOnigurumaPattern} from "./regex-split.js";
import {type BpeModelJson, type ComponentJson, mergeParts, type TokenizerJson} from "./tokenizer-json.js";
import type {MergeTable} from "./bpe-merger.js";

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

export interface FastBpePlan {
  /** The id of a model token (not an added token), or undefined. */
  readonly tokenId: (token: string) => number | undefined;
  /** Model tokens by id. */
  readonly tokenStrings: readonly string[];
  readonly merges: MergeTable;
  /** Vocabulary id of each byte's character. */
  readonly byteIds: Int32Array;
  readonly nfc: boolean;
  readonly split: WordSplit;
  readonly addPrefixSpace: boolean;
  readonly ignoreMerges: boolean;
  /** What the post-processor puts before and after a single sequence when special tokens are added. */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
}

export type FastBpePlanResult = {readonly plan: FastBpePlan} | {readonly unsupported: string};

const describe = (component: ComponentJson) => JSON.stringify(component).slice(0, 120);

function components(component: ComponentJson, listKey: string): readonly ComponentJson[] {
  return component.type === "Sequence" ? ((component[listKey] as ComponentJson[] | undefined) ?? []) : [component];
}

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

type SpecialIdLookup = (content: string) => readonly number[] | undefined;

/** Ids a post-processor adds around one sequence, or a reason it is not understood. */
function planPostProcessor(post: ComponentJson | null | undefined, lookup: SpecialIdLookup): {prefix: number[]; suffix: number[]} | string {
  const prefix: number[] = [];
  const suffix: number[] = [];
  for (const part of post == null ? [] : components(post, "processors")) {
    if (part.type === "ByteLevel") continue;
    if (part.type === "RobertaProcessing" || part.type === "BertProcessing") {
      const cls = part.cls as [string, number];
      const sep = part.sep as [string, number];
      prefix.push(cls[1]);
      suffix.push(sep[1]);
      continue;
    }
    if (part.type !== "TemplateProcessing") return `post-processor ${describe(part)}`;
    const single = part.single as ({SpecialToken?: {id: string}; Sequence?: {id: string}})[];
    const specials = (part.special_tokens ?? {}) as Record<string, {ids: number[]}>;
    const sequenceAt = single.findIndex((piece) => piece.Sequence !== undefined);
    if (sequenceAt < 0) return "TemplateProcessing without the sequence $A";
    for (const [index, piece] of single.entries()) {
      if (piece.Sequence !== undefined) continue;
      const name = piece.SpecialToken?.id ?? "";
      const ids = specials[name]?.ids ?? lookup(name);
      if (ids === undefined) return `TemplateProcessing names unknown special token ${JSON.stringify(name)}`;
      (index < sequenceAt ? prefix : suffix).push(...ids);
    }
  }
  return {prefix, suffix};
}

function planDecoder(decoder: ComponentJson | null | undefined): string | undefined {
  if (decoder == null) return "no decoder";
  const parts = components(decoder, "decoders");
  return parts.length === 1 && parts[0]!.type === "ByteLevel" ? undefined : `decoder ${describe(decoder)}`;
}

function planModel(model: BpeModelJson, path: string): Pick<FastBpePlan, "tokenId" | "tokenStrings" | "merges" | "byteIds" | "ignoreMerges"> | string {
  if (model.dropout != null && model.dropout !== 0) return "BPE dropout";
  if (model.continuing_subword_prefix || model.end_of_word_suffix) return "BPE subword prefix or suffix";
  // The parsed object is the lookup table: copying 50,000 entries into a Map would double the load time.
  const vocab = model.vocab;
  const tokenStrings: string[] = [];
  for (const token in vocab) {
    const id = vocab[token];
    if (!Number.isInteger(id) || id! < 0) {
      throw new InputFileError(path, `model.vocab[${JSON.stringify(token)}] must be a non-negative integer, got ${JSON.stringify(id)}`);
    }
    tokenStrings[id!] = token;
  }
  const tokenId = (token: string): number | undefined => {
    const id = vocab[token];
    // Inherited names ("constructor") are not tokens.
    return typeof id === "number" && Object.hasOwn(vocab, token) ? id : undefined;
  };
  const byteIds = new Int32Array(256).fill(-1);
  for (let b = 0; b < 256; b++) {
    const id = tokenId(BYTE_TO_CHAR[b]!);
    if (id !== undefined) byteIds[b] = id;
    else if (!NEVER_IN_UTF8(b)) return `vocabulary lacks byte ${b} (not byte-level)`;
  }
  const count = model.merges.length;
  const merges: MergeTable = {left: new Int32Array(count), right: new Int32Array(count), merged: new Int32Array(count)};
  for (let rank = 0; rank < count; rank++) {
    const parts = mergeParts(model.merges[rank]);
    if (parts === undefined) throw new InputFileError(path, `model.merges[${rank}] must be "left right" or [left, right]`);
    const left = tokenId(parts[0]);
    const right = tokenId(parts[1]);
    const merged = tokenId(parts[0] + parts[1]);
    if (left === undefined || right === undefined || merged === undefined) {
      throw new InputFileError(path, `model.merges[${rank}] ${JSON.stringify(model.merges[rank])} uses a token missing from model.vocab`);
    }
    merges.left[rank] = left;
    merges.right[rank] = right;
    merges.merged[rank] = merged;
  }
  return {tokenId, tokenStrings, merges, byteIds, ignoreMerges: model.ignore_merges === true};
}

export function planFastBpe(json: TokenizerJson, path: string): FastBpePlanResult {
  if (json.model.type !== "BPE") return {unsupported: `model type ${json.model.type}`};
  const nfc = planNormalizer(json.normalizer);
  if (typeof nfc === "string") return {unsupported: nfc};
  const pre = planPreTokenizer(json.pre_tokenizer);
  if (typeof pre === "string") return {unsupported: pre};
  const decoder = planDecoder(json.decoder);
  if (decoder !== undefined) return {unsupported: decoder};
  const model = planModel(json.model as unknown as BpeModelJson, path);
  if (typeof model === "string") return {unsupported: model};
  const added = new Map((json.added_tokens ?? []).map((token) => [token.content, token.id]));
  const lookup: SpecialIdLookup = (content) => {
    const id = added.get(content) ?? model.tokenId(content);
    return id === undefined ? undefined : [id];
  };
  const post = planPostProcessor(json.post_processor, lookup);
  if (typeof post === "string") return {unsupported: post};
  return {plan: {...model, nfc, ...pre, prefixIds: post.prefix, suffixIds: post.suffix}};
}
