import {pieceBytes, utf8FromPieces} from "../piece-bytes.js";
import {UnknownTokenIdError} from "../tokenizer-errors.js";
import {cleanUpTokenizationSpaces, type TokenMetadata} from "../token-metadata.js";
import type {DecodeOptions} from "../tokenizer.js";
import {BpeTokenizerBase, type NormalizedPiece, type Sink} from "./bpe-tokenizer-base.js";
import {byteLevelString, byteLevelSymbols} from "./byte-level-symbols.js";
import type {FastBpePlan} from "./fast-bpe-plan.js";
import {splitGpt2} from "./gpt2-split.js";
import {nfcAligned} from "./nfc-alignment.js";
import type {PieceMap} from "./piece-map.js";
import {splitIsolated} from "./regex-split.js";
import type {AddedTokenJson} from "./tokenizer-json.js";
import type {WordIds} from "./word-cache.js";

/**
 * Our implementation of HF's pipeline for byte-level BPE tokenizer.json files: added tokens matched first (raw,
 * then after NFC), the pre-tokenizer's words, BPE with merge ranks and a bounded word cache, the post-processor's
 * special tokens. Ids equal HF's Rust `tokenizers`; the differential test holds it to that.
 */
export class FastBpeTokenizer extends BpeTokenizerBase<FastBpePlan> {
  protected readonly byteLength: Int32Array;
  private readonly byteIds: Int32Array;
  /** UTF-8 bytes of each id's text, built on first decode. */
  private tokenBytes: (Uint8Array | undefined)[] | undefined;
  /** Scratch: word ends from the splitter (filled in batches), BPE symbols (grown on demand). */
  private readonly wordEnds = new Int32Array(4096);
  private symbols = new Int32Array(256);

  constructor(path: string, plan: FastBpePlan, addedTokens: readonly AddedTokenJson[], metadata: TokenMetadata) {
    super(path, plan, addedTokens, metadata, plan.nfc ? (content) => content.normalize("NFC") : (content) => content);
    this.byteIds = plan.byteIds;
    // A byte-level token's string has one character per byte.
    this.byteLength = Int32Array.from(this.tokenStrings, (token) => token?.length ?? 0);
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    const table = (this.tokenBytes ??= []);
    const parts: Uint8Array[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || this.tokenStrings[id] === undefined) throw new UnknownTokenIdError(id, this.vocabSize);
      if (options?.skipSpecialTokens && this.specialIds.has(id)) continue;
      parts.push((table[id] ??= pieceBytes(this.tokenStrings[id]!, "byte-level")));
    }
    const text = utf8FromPieces(parts);
    return this.cleanUp ? cleanUpTokenizationSpaces(text) : text;
  }

  protected normalizePiece(text: string, start: number, end: number): NormalizedPiece {
    const raw = start === 0 && end === text.length ? text : text.slice(start, end);
    const {text: piece, edits} = this.plan.nfc ? nfcAligned(raw) : {text: raw, edits: undefined};
    return {piece, map: {base: start, edits, shift: 0, firstUnit: 0}};
  }

  /** Pre-tokenizes piece[start, end) into words and appends each word's ids. */
  protected encodeWords(piece: string, start: number, end: number, map: PieceMap, sink: Sink): void {
    if (start === end) return;
    let text = piece;
    let from = start;
    let to = end;
    let wordMap = map;
    if (this.plan.addPrefixSpace && piece.charCodeAt(start) !== 0x20) {
      // HF prepends the space to each split; it stands for no input text.
      text = " " + piece.slice(start, end);
      from = 0;
      to = text.length;
      wordMap = {...map, shift: start - 1, firstUnit: start};
    }
    const split = this.plan.split;
    if (split.kind === "none") {
      this.encodeWord(text, from, to, wordMap, sink);
      return;
    }
    const ends = this.wordEnds;
    if (split.kind === "gpt2") {
      for (let wordStart = from; wordStart < to; ) {
        const count = splitGpt2(text, wordStart, to, ends);
        for (let k = 0; k < count; k++) {
          this.encodeWord(text, wordStart, ends[k]!, wordMap, sink);
          wordStart = ends[k]!;
        }
      }
      return;
    }
    // A regex may look behind its start, so it splits the whole stretch in one pass.
    const all = to - from + 1 > ends.length ? new Int32Array(to - from + 1) : ends;
    const count = splitIsolated(split.regex, text, from, to, all);
    let wordStart = from;
    for (let k = 0; k < count; k++) {
      this.encodeWord(text, wordStart, all[k]!, wordMap, sink);
      wordStart = all[k]!;
    }
  }

  /** BPE on one word: its UTF-8 bytes as byte-level symbols, merged by rank. */
  protected bpe(word: string): WordIds {
    if (this.symbols.length < word.length * 3) this.symbols = new Int32Array(word.length * 3);
    const symbols = this.symbols;
    let n = byteLevelSymbols(word, this.byteIds, symbols);
    if (this.plan.ignoreMerges) {
      const whole = this.plan.tokenId(byteLevelString(word));
      if (whole !== undefined) return whole;
    }
    n = this.merger.merge(symbols, n);
    return n === 1 ? symbols[0]! : Array.from(symbols.subarray(0, n));
  }
}
