import {UnknownTokenIdError} from "../tokenizer-errors.js";
import {cleanUpTokenizationSpaces, type TokenMetadata} from "../token-metadata.js";
import type {DecodeOptions} from "../tokenizer.js";
import {BpeTokenizerBase, type NormalizedPiece, type Sink} from "./bpe-tokenizer-base.js";
import type {PieceMap} from "./piece-map.js";
import type {SentencePieceBpePlan} from "./sentencepiece-bpe-plan.js";
import {decodeSentencePiece} from "./sentencepiece-decode.js";
import {fallbackByte, META_SPACE} from "./sentencepiece-symbols.js";
import type {AddedTokenJson} from "./tokenizer-json.js";
import type {WordIds} from "./word-cache.js";

const META_SPACE_UNIT = META_SPACE.charCodeAt(0);

/** What the normalizer makes of a piece: "▁" in front and in place of every space (same length otherwise). */
function normalize(text: string): string {
  return text.length === 0 ? text : META_SPACE + text.replaceAll(" ", META_SPACE);
}

function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    length += unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit <= 0xdbff ? (i++, 4) : 3;
  }
  return length;
}

/**
 * Our implementation of HF's pipeline for SentencePiece models converted to BPE (Llama 2, Mistral 7B,
 * TinyLlama): added tokens, the "▁" normalizer, BPE over characters with byte fallback and unknown-token
 * fusing, the BOS template. The text is cut into words at each "▁" that follows another character when the
 * merges allow it (they do for these models), so words are cached as in the byte-level path.
 */
export class SentencePieceBpeTokenizer extends BpeTokenizerBase<SentencePieceBpePlan> {
  /** Bytes of normalized text each token stands for ("▁" is 3, a `<0xXX>` token 1). */
  protected readonly byteLength: Int32Array;
  /** Vocabulary id + 2 per BMP code point (1: not in the vocabulary, 0: not looked up yet); astral in a Map. */
  private readonly bmpCharIds = new Int32Array(0x10000);
  private readonly astralCharIds = new Map<number, number>();
  /** Id of each `<0xXX>` byte token, -1 where missing. */
  private readonly byteIds = new Int32Array(256);
  private symbols = new Int32Array(256);

  constructor(path: string, plan: SentencePieceBpePlan, addedTokens: readonly AddedTokenJson[], metadata: TokenMetadata) {
    super(path, plan, addedTokens, metadata, normalize);
    this.byteLength = Int32Array.from(this.tokenStrings, (token) => (token === undefined ? 0 : fallbackByte(token) >= 0 ? 1 : utf8Length(token)));
    for (let b = 0; b < 256; b++) this.byteIds[b] = plan.tokenId(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`) ?? -1;
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || this.tokenStrings[id] === undefined) throw new UnknownTokenIdError(id, this.vocabSize);
      if (!(options?.skipSpecialTokens && this.specialIds.has(id))) tokens.push(this.tokenStrings[id]!);
    }
    const text = decodeSentencePiece(tokens, this.plan.decodeStrip);
    return this.cleanUp ? cleanUpTokenizationSpaces(text) : text;
  }

  /** The prepended "▁" stands for no input (shift -1). */
  protected normalizePiece(text: string, start: number, end: number): NormalizedPiece {
    return {piece: normalize(text.slice(start, end)), map: {base: start, edits: undefined, shift: -1, firstUnit: 0}};
  }

  /**
   * Cuts piece[start, end) where no merge can join across (see the plan) and encodes each word: before a "▁"
   * that follows another character, and around a character spelled by byte fallback.
   */
  protected encodeWords(piece: string, start: number, end: number, map: PieceMap, sink: Sink): void {
    if (start === end) return;
    if (!this.plan.wordsMergeAlone) {
      this.encodeWord(piece, start, end, map, sink);
      return;
    }
    const aroundBytes = this.plan.byteTokensMergeAlone;
    const bmpCharIds = this.bmpCharIds;
    let wordStart = start;
    let previousIsByte = false;
    for (let i = start; i < end; i++) {
      const unit = piece.charCodeAt(i);
      let isByte = false;
      if (aroundBytes) {
        if (unit >= 0xd800 && unit <= 0xdfff) {
          if (unit >= 0xdc00) continue;
          isByte = this.charId(piece.codePointAt(i)!) < 0;
        } else {
          const stored = bmpCharIds[unit]!;
          isByte = stored === 0 ? this.charId(unit) < 0 : stored === 1;
        }
      }
      if (i > start && ((unit === META_SPACE_UNIT && piece.charCodeAt(i - 1) !== META_SPACE_UNIT) || isByte || previousIsByte)) {
        this.encodeWord(piece, wordStart, i, map, sink);
        wordStart = i;
      }
      previousIsByte = isByte;
    }
    this.encodeWord(piece, wordStart, end, map, sink);
  }

  /** The vocabulary id of a one-character token, or -1. */
  private charId(codePoint: number): number {
    if (codePoint < 0x10000) {
      let stored = this.bmpCharIds[codePoint]!;
      if (stored === 0) stored = this.bmpCharIds[codePoint] = (this.plan.tokenId(String.fromCharCode(codePoint)) ?? -1) + 2;
      return stored - 2;
    }
    let id = this.astralCharIds.get(codePoint);
    if (id === undefined) {
      id = this.plan.tokenId(String.fromCodePoint(codePoint)) ?? -1;
      this.astralCharIds.set(codePoint, id);
    }
    return id;
  }

  /**
   * HF's BPE on one word of characters: a character outside the vocabulary becomes its `<0xXX>` byte tokens
   * (byte fallback) or the unknown token, consecutive unknowns fused when the model says so; then merges.
   */
  protected bpe(word: string): WordIds {
    if (this.symbols.length < word.length * 4) this.symbols = new Int32Array(word.length * 4);
    const symbols = this.symbols;
    const {unkId, fuseUnk, byteFallback} = this.plan;
    let n = 0;
    let unkPending = false;
    for (let i = 0; i < word.length; i++) {
      const codePoint = word.codePointAt(i)!;
      if (codePoint >= 0x10000) i++;
      const id = this.charId(codePoint);
      if (id >= 0) {
        if (unkPending) symbols[n++] = unkId!;
        unkPending = false;
        symbols[n++] = id;
        continue;
      }
      if (byteFallback) {
        const bytes = new TextEncoder().encode(String.fromCodePoint(codePoint));
        if (bytes.every((byte) => this.byteIds[byte]! >= 0)) {
          // As in HF, a pending unknown token is not flushed before byte tokens.
          for (const byte of bytes) symbols[n++] = this.byteIds[byte]!;
          continue;
        }
      }
      if (unkId === undefined) continue;
      if (unkPending && !fuseUnk) symbols[n++] = unkId;
      unkPending = true;
    }
    if (unkPending) symbols[n++] = unkId!;
    n = this.merger.merge(symbols, n);
    return n === 1 ? symbols[0]! : Array.from(symbols.subarray(0, n));
  }
}
