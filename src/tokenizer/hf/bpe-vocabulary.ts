import {InputFileError} from "../../errors/index.js";
import type {MergeTable} from "./bpe-merger.js";
import {type BpeModelJson, mergeParts} from "./tokenizer-json.js";

/** A BPE model's vocabulary and merges as the fast paths use them. */
export interface BpeVocabulary {
  /** The id of a model token (not an added token), or undefined. */
  readonly tokenId: (token: string) => number | undefined;
  /** Model tokens by id. */
  readonly tokenStrings: readonly string[];
  readonly merges: MergeTable;
}

/** Reads and checks model.vocab and model.merges; a string says why the fast paths cannot take the model. */
export function readBpeVocabulary(model: BpeModelJson, path: string): BpeVocabulary | string {
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
  return {tokenId, tokenStrings, merges};
}

