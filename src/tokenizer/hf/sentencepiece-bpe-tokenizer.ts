import {UnknownTokenIdError} from "../tokenizer-errors.js";
import {cleanUpTokenizationSpaces, type TokenMetadata} from "../token-metadata.js";
import type {DecodeOptions, EncodeOptions, EncodingWithOffsets, SpecialToken, Tokenizer} from "../tokenizer.js";
import {AddedTokenMatcher} from "./added-token-matcher.js";
import {BpeMerger} from "./bpe-merger.js";
import {type PieceMap, pushWordOffsets, spanEnd, spanStart} from "./piece-map.js";
import type {SentencePieceBpePlan} from "./sentencepiece-bpe-plan.js";
import {decodeSentencePiece} from "./sentencepiece-decode.js";
import {fallbackByte, META_SPACE} from "./sentencepiece-symbols.js";
import type {AddedTokenJson} from "./tokenizer-json.js";
import {toWellFormed} from "./well-formed.js";
import {WordCache, type WordIds} from "./word-cache.js";

const META_SPACE_UNIT = META_SPACE.charCodeAt(0);

interface Sink {
  readonly ids: number[];
  readonly offsets: [number, number][] | undefined;
}

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
export class SentencePieceBpeTokenizer implements Tokenizer {
  readonly backend = "fast-bpe" as const;
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly bosToken: string | undefined;
  readonly eosTokenId: number | undefined;
  readonly eosToken: string | undefined;
  readonly padTokenId: number | undefined;
  readonly padToken: string | undefined;
  readonly specialTokens: readonly SpecialToken[];
  readonly modelMaxLength: number | undefined;
  readonly chatTemplate: string | undefined;
  readonly warnings: readonly string[] = [];

  private readonly merger: BpeMerger;
  private readonly cache = new WordCache();
  private readonly tokenStrings: string[];
  /** Bytes of normalized text each token stands for ("▁" is 3, a `<0xXX>` token 1). */
  private readonly byteLength: Int32Array;
  private readonly addedTokens: readonly AddedTokenJson[];
  private readonly specialIds: ReadonlySet<number>;
  private readonly matchers = new Map<string, AddedTokenMatcher>();
  private readonly cleanUp: boolean;
  /** Vocabulary id + 2 per BMP code point (1: not in the vocabulary, 0: not looked up yet); astral in a Map. */
  private readonly bmpCharIds = new Int32Array(0x10000);
  private readonly astralCharIds = new Map<number, number>();
  /** Id of each `<0xXX>` byte token, -1 where missing. */
  private readonly byteIds = new Int32Array(256);
  private symbols = new Int32Array(256);

  constructor(
    readonly path: string,
    private readonly plan: SentencePieceBpePlan,
    addedTokens: readonly AddedTokenJson[],
    metadata: TokenMetadata
  ) {
    this.merger = new BpeMerger(plan.merges);
    this.addedTokens = addedTokens;
    this.tokenStrings = plan.tokenStrings.slice();
    // HF keeps a normalized added token under its normalized text ("▁cafe"), which is what decoding shows.
    for (const token of addedTokens) this.tokenStrings[token.id] = token.normalized ?? !token.special ? normalize(token.content) : token.content;
    this.vocabSize = this.tokenStrings.length;
    this.byteLength = Int32Array.from(this.tokenStrings, (token) => (token === undefined ? 0 : fallbackByte(token) >= 0 ? 1 : utf8Length(token)));
    for (let b = 0; b < 256; b++) this.byteIds[b] = plan.tokenId(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`) ?? -1;
    this.specialTokens = addedTokens
      .filter((token) => token.special === true)
      .map((token) => ({id: token.id, content: token.content}))
      .sort((a, b) => a.id - b.id);
    this.specialIds = new Set(this.specialTokens.map((token) => token.id));
    const idOf = (content: string | undefined) =>
      content === undefined ? undefined : (addedTokens.find((token) => token.content === content)?.id ?? plan.tokenId(content));
    this.bosToken = metadata.bosToken;
    this.bosTokenId = idOf(metadata.bosToken);
    this.eosToken = metadata.eosToken;
    this.eosTokenId = idOf(metadata.eosToken);
    this.padToken = metadata.padToken;
    this.padTokenId = idOf(metadata.padToken);
    this.modelMaxLength = metadata.modelMaxLength;
    this.chatTemplate = metadata.chatTemplate;
    this.cleanUp = metadata.cleanUpTokenizationSpaces === true;
  }

  encode(text: string, options?: EncodeOptions): number[] {
    const sink: Sink = {ids: [], offsets: undefined};
    this.encodeInto(text, sink, options);
    return sink.ids;
  }

  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets {
    const sink: Sink = {ids: [], offsets: []};
    this.encodeInto(text, sink, options);
    return {ids: sink.ids, offsets: sink.offsets!};
  }

  count(text: string, options?: EncodeOptions): number {
    return this.encode(text, options).length;
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

  async dispose(): Promise<void> {
    this.cache.clear();
  }

  private matcher(normalized: boolean, recognizeSpecial: boolean): AddedTokenMatcher {
    const key = `${normalized}/${recognizeSpecial}`;
    let matcher = this.matchers.get(key);
    if (matcher === undefined) {
      matcher = new AddedTokenMatcher(
        this.addedTokens
          .filter((token) => (token.normalized ?? !token.special) === normalized && (recognizeSpecial || token.special !== true))
          .map((token) => ({
            id: token.id,
            content: normalized ? normalize(token.content) : token.content,
            singleWord: token.single_word === true,
            lstrip: token.lstrip === true,
            rstrip: token.rstrip === true
          }))
      );
      this.matchers.set(key, matcher);
    }
    return matcher;
  }

  private encodeInto(input: string, sink: Sink, options: EncodeOptions | undefined): void {
    const text = toWellFormed(input);
    const addSpecial = options?.addSpecialTokens ?? true;
    if (addSpecial) for (const id of this.plan.prefixIds) this.pushToken(sink, id, 0, 0);
    const recognize = options?.recognizeSpecialTokens ?? true;
    let position = 0;
    for (const match of this.matcher(false, recognize).findAll(text, 0, text.length)) {
      this.encodeRawPiece(text, position, match.start, sink, recognize);
      this.pushToken(sink, match.id, match.start, match.end);
      position = match.end;
    }
    this.encodeRawPiece(text, position, text.length, sink, recognize);
    if (addSpecial) for (const id of this.plan.suffixIds) this.pushToken(sink, id, text.length, text.length);
  }

  private pushToken(sink: Sink, id: number, start: number, end: number): void {
    sink.ids.push(id);
    sink.offsets?.push([start, end]);
  }

  /** A stretch between raw added tokens: normalize (the prepended "▁" stands for no input), match, encode. */
  private encodeRawPiece(text: string, start: number, end: number, sink: Sink, recognize: boolean): void {
    if (start === end) return;
    const piece = normalize(text.slice(start, end));
    const map: PieceMap = {base: start, edits: undefined, shift: -1, firstUnit: 0};
    let position = 0;
    for (const match of this.matcher(true, recognize).findAll(piece, 0, piece.length)) {
      this.encodeWords(piece, position, match.start, map, sink);
      this.pushToken(sink, match.id, spanStart(map, match.start), spanEnd(map, match.end - 1));
      position = match.end;
    }
    this.encodeWords(piece, position, piece.length, map, sink);
  }

  /**
   * Cuts piece[start, end) where no merge can join across (see the plan) and encodes each word: before a "▁"
   * that follows another character, and around a character spelled by byte fallback.
   */
  private encodeWords(piece: string, start: number, end: number, map: PieceMap, sink: Sink): void {
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

  private encodeWord(text: string, start: number, end: number, map: PieceMap, sink: Sink): void {
    const cacheable = end - start <= this.cache.maxWordLength;
    const hash = cacheable ? WordCache.hash(text, start, end) : 0;
    let ids = cacheable ? this.cache.get(text, start, end, hash) : undefined;
    if (ids === undefined) {
      const word = text.slice(start, end);
      ids = this.bpe(word);
      if (cacheable) this.cache.set(word, hash, ids);
    }
    if (typeof ids === "number") sink.ids.push(ids);
    else for (let k = 0; k < ids.length; k++) sink.ids.push(ids[k]!);
    if (sink.offsets === undefined) return;
    if (typeof ids !== "number" && (ids.length === 0 || (this.plan.unkId !== undefined && ids.includes(this.plan.unkId)))) {
      // An unknown token stands for however many characters it fused: give the word's tokens its whole span.
      for (let k = 0; k < ids.length; k++) sink.offsets.push([spanStart(map, start), spanEnd(map, end - 1)]);
      return;
    }
    pushWordOffsets(text, start, end, ids, this.byteLength, map, sink.offsets);
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
  private bpe(word: string): WordIds {
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
