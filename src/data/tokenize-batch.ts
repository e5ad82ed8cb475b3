import {labelTokens} from "./label-tokens.js";

/** The part of the tokenizer stage's `Tokenizer` that preparation uses. */
export interface OffsetEncoder {
  encodeWithOffsets(text: string): {readonly ids: readonly number[]; readonly offsets: readonly (readonly [number, number])[]};
  readonly eosTokenId: number | undefined;
}

export interface LabelSettings {
  readonly cutoffLen: number;
  readonly addEosToken: boolean;
  readonly trainOnInputs: boolean;
}

/** A batch of training strings; the answer of `texts[i]` starts `promptLengths[i]` characters in. */
export interface TokenizeJob {
  readonly texts: readonly string[];
  readonly promptLengths: readonly number[];
}

export function tokenizeJob(items: readonly {readonly text: string; readonly promptLength: number}[]): TokenizeJob {
  return {texts: items.map((item) => item.text), promptLengths: items.map((item) => item.promptLength)};
}

/**
 * The batch's results in flat typed arrays (cheap to transfer between threads): row i's ids are
 * `ids.subarray(starts[i], starts[i] + lengths[i])`.
 */
export interface TokenizedBatch {
  readonly ids: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  readonly masked: Int32Array;
  readonly fullLengths: Int32Array;
}

export function tokenizeBatch(encoder: OffsetEncoder, job: TokenizeJob, settings: LabelSettings): TokenizedBatch {
  const n = job.texts.length;
  const starts = new Int32Array(n);
  const lengths = new Int32Array(n);
  const masked = new Int32Array(n);
  const fullLengths = new Int32Array(n);
  const parts: Int32Array[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const {ids, offsets} = encoder.encodeWithOffsets(job.texts[i]!);
    const labeled = labelTokens({ids, offsets, promptLength: job.promptLengths[i]!, eosTokenId: encoder.eosTokenId, ...settings});
    parts.push(labeled.inputIds);
    starts[i] = total;
    lengths[i] = labeled.inputIds.length;
    masked[i] = labeled.maskedCount;
    fullLengths[i] = labeled.fullLength;
    total += labeled.inputIds.length;
  }
  const flat = new Int32Array(total);
  for (let i = 0; i < n; i++) flat.set(parts[i]!, starts[i]!);
  return {ids: flat, starts, lengths, masked, fullLengths};
}
