export interface LabelTokensOptions {
  /** The full training string's ids and their `[start, end)` UTF-16 spans (see the tokenizer's encodeWithOffsets). */
  readonly ids: readonly number[];
  readonly offsets: readonly (readonly [number, number])[];
  /** Length of the prompt prefix of the training string, in UTF-16 code units (the answer starts here). */
  readonly promptLength: number;
  readonly cutoffLen: number;
  readonly addEosToken: boolean;
  readonly eosTokenId: number | undefined;
  readonly trainOnInputs: boolean;
}

export interface LabeledTokens {
  /** At most `cutoffLen` ids: the first ones, with EOS appended when asked and there is room. */
  readonly inputIds: Int32Array;
  /** How many leading ids are prompt (labels -100); 0 when training on inputs. */
  readonly maskedCount: number;
  /** Length before truncation, counting the EOS that `addEosToken` asks for. */
  readonly fullLength: number;
}

/**
 * Truncation, EOS and label masking on one tokenized training string, as h2oGPT's `generate_and_tokenize_prompt`
 * except for the prompt boundary. h2oGPT keeps the first `cutoff_len` ids and appends EOS only when the last id is
 * not EOS and there is room. h2oGPT counts prompt tokens by tokenizing the prompt alone, which also masks the first
 * answer token whenever the prompt's trailing space merges into it (`<bot>: ` + `Hello` -> `ĠHello`); here a
 * token is prompt only when its whole span lies inside the prompt, so a token that straddles the boundary is
 * trained.
 */
export function labelTokens(options: LabelTokensOptions): LabeledTokens {
  const {ids, offsets, promptLength, cutoffLen, addEosToken, eosTokenId, trainOnInputs} = options;
  const wantsEos = addEosToken && eosTokenId != null && ids[ids.length - 1] !== eosTokenId;
  const fullLength = ids.length + (wantsEos ? 1 : 0);
  const keep = Math.min(ids.length, cutoffLen);
  const inputIds = new Int32Array(Math.min(fullLength, cutoffLen));
  for (let i = 0; i < keep; i++) inputIds[i] = ids[i]!;
  if (wantsEos && keep < cutoffLen) inputIds[keep] = eosTokenId!;
  return {inputIds, maskedCount: trainOnInputs ? 0 : promptTokenCount(offsets, promptLength, keep), fullLength};
}

/** The number of leading tokens (among the first `limit`) whose span ends inside the prompt; spans are ordered. */
function promptTokenCount(offsets: readonly (readonly [number, number])[], promptLength: number, limit: number): number {
  let low = 0;
  let high = limit;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (offsets[mid]![1] <= promptLength) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Labels for a row: the ids, with the first `maskedCount` set to -100 (ignored by the loss). */
export function labelsFor(inputIds: Int32Array, maskedCount: number): Int32Array {
  const labels = inputIds.slice();
  labels.fill(-100, 0, maskedCount);
  return labels;
}
