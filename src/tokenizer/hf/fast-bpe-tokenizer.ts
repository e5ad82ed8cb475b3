import {pieceBytes, utf8FromPieces} from "../piece-bytes.js";
import {UnknownTokenIdError} from "../tokenizer-errors.js";
import {cleanUpTokenizationSpaces, type TokenMetadata} from "../token-metadata.js";
import type {DecodeOptions, EncodeOptions, EncodingWithOffsets, SpecialToken, Tokenizer} from "../tokenizer.js";
import {AddedTokenMatcher, type AddedTokenRule} from "./added-token-matcher.js";
import {BpeMerger} from "./bpe-merger.js";
import {byteLevelString, byteLevelSymbols} from "./byte-level-symbols.js";
import type {FastBpePlan} from "./fast-bpe-plan.js";
import {splitGpt2} from "./gpt2-split.js";
import {nfcAligned} from "./nfc-alignment.js";
import {type PieceMap, pushWordOffsets, spanEnd, spanStart} from "./piece-map.js";
import {splitIsolated} from "./regex-split.js";
import type {AddedTokenJson} from "./tokenizer-json.js";
import {toWellFormed} from "./well-formed.js";
import {WordCache, type WordIds} from "./word-cache.js";

/** Where encoded ids (and optionally offsets) go. */
interface Sink {
  readonly ids: number[];
  readonly offsets: [number, number][] | undefined;
}

/**
 * Our implementation of HF's pipeline for byte-level BPE tokenizer.json files: added tokens matched first (raw,
 * then after NFC), the pre-tokenizer's words, BPE with merge ranks and a bounded word cache, the post-processor's
 * special tokens. Ids equal HF's Rust `tokenizers`; the differential test holds it to that.
 */
export class FastBpeTokenizer implements Tokenizer {
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
  private readonly byteIds: Int32Array;
  private readonly cache = new WordCache();
  private readonly tokenStrings: string[];
  /** Bytes of text each model token stands for. */
  private readonly byteLength: Int32Array;
  private readonly addedTokens: readonly AddedTokenJson[];
  private readonly specialIds: ReadonlySet<number>;
  private readonly matchers = new Map<string, AddedTokenMatcher>();
  private readonly cleanUp: boolean;
  /** UTF-8 bytes of each id's text, built on first decode. */
  private tokenBytes: (Uint8Array | undefined)[] | undefined;
  /** Scratch: word ends from the splitter (filled in batches), BPE symbols (grown on demand). */
  private readonly wordEnds = new Int32Array(4096);
  private symbols = new Int32Array(256);

  constructor(
    readonly path: string,
    private readonly plan: FastBpePlan,
    addedTokens: readonly AddedTokenJson[],
    metadata: TokenMetadata
  ) {
    this.merger = new BpeMerger(plan.merges);
    this.byteIds = plan.byteIds;
    this.addedTokens = addedTokens;
    this.tokenStrings = plan.tokenStrings.slice();
    // HF keeps a normalized added token under its normalized text, which is what decoding shows.
    for (const token of addedTokens) {
      this.tokenStrings[token.id] = plan.nfc && (token.normalized ?? !token.special) ? token.content.normalize("NFC") : token.content;
    }
    this.vocabSize = this.tokenStrings.length;
    // A byte-level token's string has one character per byte.
    this.byteLength = Int32Array.from(this.tokenStrings, (token) => token?.length ?? 0);
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

  async dispose(): Promise<void> {
    this.cache.clear();
  }

  /** Added-token matcher for tokens that match before (`normalized` false) or after normalization. */
  private matcher(normalized: boolean, recognizeSpecial: boolean): AddedTokenMatcher {
    const key = `${normalized}/${recognizeSpecial}`;
    let matcher = this.matchers.get(key);
    if (matcher === undefined) {
      const rules: AddedTokenRule[] = this.addedTokens
        .filter((token) => (token.normalized ?? !token.special) === normalized && (recognizeSpecial || token.special !== true))
        .map((token) => ({
          id: token.id,
          content: normalized && this.plan.nfc ? token.content.normalize("NFC") : token.content,
          singleWord: token.single_word === true,
          lstrip: token.lstrip === true,
          rstrip: token.rstrip === true
        }));
      matcher = new AddedTokenMatcher(rules);
      this.matchers.set(key, matcher);
    }
    return matcher;
  }

  private encodeInto(input: string, sink: Sink, options: EncodeOptions | undefined): void {
    // Rust strings cannot hold lone surrogates; HF's bindings turn them into U+FFFD, so do we.
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

  /** A stretch of the input between raw added tokens: normalize, match normalized added tokens, split, BPE. */
  private encodeRawPiece(text: string, start: number, end: number, sink: Sink, recognize: boolean): void {
    if (start === end) return;
    const raw = start === 0 && end === text.length ? text : text.slice(start, end);
    const {text: piece, edits} = this.plan.nfc ? nfcAligned(raw) : {text: raw, edits: undefined};
    const map: PieceMap = {base: start, edits, shift: 0, firstUnit: 0};
    const matcher = this.matcher(true, recognize);
    if (matcher.isEmpty) {
      this.encodeWords(piece, 0, piece.length, map, sink);
      return;
    }
    let position = 0;
    for (const match of matcher.findAll(piece, 0, piece.length)) {
      this.encodeWords(piece, position, match.start, map, sink);
      this.pushToken(sink, match.id, spanStart(map, match.start), spanEnd(map, match.end - 1));
      position = match.end;
    }
    this.encodeWords(piece, position, piece.length, map, sink);
  }

  /** Pre-tokenizes piece[start, end) into words and appends each word's ids. */
  private encodeWords(piece: string, start: number, end: number, map: PieceMap, sink: Sink): void {
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
    pushWordOffsets(text, start, end, ids, this.byteLength, map, sink.offsets);
  }

  /** BPE on one word: its UTF-8 bytes as byte-level symbols, merged by rank. */
  private bpe(word: string): WordIds {
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
