import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {InputFileError, UsageError} from "../errors/index.js";
import {parseTokenizerJson} from "./hf/tokenizer-json.js";
import {loadTokenizer} from "./load-tokenizer.js";
import {type PairPostProcessor, pairPostProcessor} from "./pair-post-processor.js";
import type {Tokenizer} from "./tokenizer.js";
import {type EncodeUntil, type WordChunkEncoder, wordChunkEncoder} from "./word-chunk-encoder.js";
import {earlyExitLength, type WordStarts, wordStarts} from "./word-starts.js";

/** Model inputs for one sequence or a pair, as transformers' `tokenizer(a, b)` returns them. */
export interface PairEncoding {
  readonly inputIds: number[];
  readonly tokenTypeIds: number[];
  readonly attentionMask: number[];
}

export interface EncodePairOptions {
  /** Truncate to this many ids in all (special tokens included), `longest_first` as transformers does. */
  readonly maxLength?: number;
}

/** `maxLength` leaves no room for the tokens the post-processor adds. */
export class PairTooShortError extends UsageError {
  constructor(
    readonly maxLength: number,
    readonly addedTokens: number
  ) {
    super(`max_length ${maxLength} is smaller than the ${addedTokens} special tokens the post-processor adds`);
  }
}

/**
 * HF's `longest_first` truncation of a pair to `maxLength` ids (special tokens already taken off), Rust
 * `tokenizers`' `truncate_encodings` (which transformers' fast tokenizers use): the shorter sequence keeps what
 * it can and the longer one gets the rest; when both are too long they get half each, the odd id going to the
 * longer one (to the second when they are equally long). `first` and `second` are the lengths the tokenizer
 * hands it, which since its early exit are cut at a word end (`earlyExitLength`). Returns the lengths to keep.
 *
 * @example
 * truncatedLengths(10, 3, 8); // [5, 3]
 */
export function truncatedLengths(first: number, second: number, maxLength: number): [number, number] {
  if (first + second <= maxLength) return [first, second];
  const swap = first > second;
  let n1 = swap ? second : first;
  let n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
  if (n1 + n2 > maxLength) {
    n1 = Math.floor(maxLength / 2);
    n2 = n1 + (maxLength % 2);
  }
  if (swap) [n1, n2] = [n2, n1];
  return [Math.min(n1, first), Math.min(n2, second)];
}

/**
 * A tokenizer with its post-processor: encodes (question, answer) pairs the way a sequence-classification model
 * was trained on them (`[CLS] q [SEP] a [SEP]` with token type ids for BERT and DeBERTa).
 */
export class PairEncoder {
  constructor(
    readonly tokenizer: Tokenizer,
    private readonly postProcessor: PairPostProcessor,
    private readonly wordStarts: WordStarts,
    /** Cached chunk-by-chunk encoding, for the tokenizers where it equals `tokenizer.encode`. */
    private readonly chunks?: WordChunkEncoder
  ) {}

  /**
   * @example
   * const encoder = await loadPairEncoder("reward-model/");
   * encoder.encodePair("What is 2+2?", "4", {maxLength: 512}).inputIds; // [1, ..., 2, ..., 2]
   */
  encodePair(first: string, second: string | undefined, options: EncodePairOptions = {}): PairEncoding {
    const {maxLength} = options;
    let a: number[];
    let b: number[] | undefined;
    if (maxLength === undefined) {
      a = this.ids(first);
      b = second === undefined ? undefined : this.ids(second);
    } else {
      const added = this.postProcessor.addedTokens(second !== undefined);
      if (maxLength < added) throw new PairTooShortError(maxLength, added);
      if (second === undefined) {
        a = this.ids(first, {count: maxLength - added}).slice(0, maxLength - added);
      } else {
        // HF stops encoding each text at the first word end at or past the whole max_length (the post-processor's
        // tokens not taken off), which decides which text counts as the longer one.
        const cutA = this.truncatable(first, maxLength);
        const cutB = this.truncatable(second, maxLength);
        const [keepA, keepB] = truncatedLengths(cutA.length, cutB.length, maxLength - added);
        // The id arrays are fresh ones, so they are cut in place rather than copied.
        a = cutA.ids;
        a.length = Math.min(a.length, keepA);
        b = cutB.ids;
        b.length = Math.min(b.length, keepB);
      }
    }
    const {ids, typeIds} = this.postProcessor.apply(a, b);
    return {inputIds: ids, tokenTypeIds: typeIds, attentionMask: new Array<number>(ids.length).fill(1)};
  }

  /** The ids of `text`, or of a prefix of it that is enough for truncation (`until`). */
  private ids(text: string, until?: EncodeUntil): number[] {
    return this.chunks === undefined ? this.tokenizer.encode(text, {addSpecialTokens: false}) : this.chunks.encode(text, until).ids;
  }

  /**
   * The ids of `text` that truncation to `maxLength` can keep, and the length HF hands to truncation
   * (`earlyExitLength`). A word start past `maxLength` in a prefix of the ids is where the whole ids' search
   * would stop too, so encoding ends there.
   */
  private truncatable(text: string, maxLength: number): {ids: number[]; length: number} {
    const ids = this.ids(text, {wordStartPast: maxLength, starts: this.wordStarts});
    return {ids, length: earlyExitLength({text, ids, maxLength, starts: this.wordStarts})};
  }

  async dispose(): Promise<void> {
    await this.tokenizer.dispose();
  }
}

/**
 * A pair encoder for a folder holding tokenizer.json (+ tokenizer_config.json) or a tokenizer.json file.
 *
 * @example
 * const encoder = await loadPairEncoder("models/reward-model-deberta-v3-large-v2-onnx");
 */
export async function loadPairEncoder(path: string): Promise<PairEncoder> {
  const tokenizer = await loadTokenizer(path);
  if (tokenizer.backend === "llama.cpp") {
    await tokenizer.dispose();
    throw new InputFileError(path, "pair encoding needs a tokenizer.json (its post_processor), not a GGUF");
  }
  const jsonPath = tokenizer.path.endsWith(".json") ? tokenizer.path : join(path, "tokenizer.json");
  const json = parseTokenizerJson(await readFile(jsonPath, "utf8"), jsonPath);
  const postProcessor = pairPostProcessor(json.post_processor as Record<string, unknown> | null | undefined, jsonPath);
  return new PairEncoder(tokenizer, postProcessor, wordStarts(json, tokenizer), wordChunkEncoder(json, tokenizer));
}
