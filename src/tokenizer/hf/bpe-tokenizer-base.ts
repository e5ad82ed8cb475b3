import type {TokenMetadata} from "../token-metadata.js";
import type {EncodeOptions, EncodingWithOffsets} from "../tokenizer.js";
import {TokenizerBase} from "../tokenizer-base.js";
import {addedTokenFacts} from "./added-token-facts.js";
import {AddedTokenMatcher} from "./added-token-matcher.js";
import {BpeMerger} from "./bpe-merger.js";
import {type PieceMap, pushWordOffsets, spanEnd, spanStart} from "./piece-map.js";
import type {BpePlan} from "./plan-parts.js";
import type {AddedTokenJson} from "./tokenizer-json.js";
import {toWellFormed} from "./well-formed.js";
import {WordCache, type WordIds} from "./word-cache.js";

/** What the pipeline reads from either fast BPE plan (byte-level or SentencePiece-style). */
export interface BpeTokenizerPlan extends BpePlan {
  /** A SentencePiece model's unknown token; byte-level vocabularies have none. */
  readonly unkId?: number | undefined;
}

/** Where encoded ids (and optionally offsets) go. */
export interface Sink {
  readonly ids: number[];
  readonly offsets: [number, number][] | undefined;
}

/** A stretch of input after the normalizer, and how its units map back to the input. */
export interface NormalizedPiece {
  readonly piece: string;
  readonly map: PieceMap;
}

/**
 * HF's pipeline as both our fast BPE backends run it: added tokens matched first (raw, then after the
 * normalizer), the post-processor's special tokens around the text, words BPE-merged through a bounded cache.
 * Subclasses say how text is normalized, cut into words and turned into symbols, and how ids decode.
 */
export abstract class BpeTokenizerBase<Plan extends BpeTokenizerPlan> extends TokenizerBase {
  readonly backend = "fast-bpe" as const;

  protected readonly merger: BpeMerger;
  protected readonly cache = new WordCache();
  /** Each id's token string, added tokens under the text decoding shows. */
  protected readonly tokenStrings: string[];
  protected readonly specialIds: ReadonlySet<number>;
  protected readonly cleanUp: boolean;
  /** Bytes of (normalized) text each token stands for, for offsets. */
  protected abstract readonly byteLength: Int32Array;
  private readonly addedTokens: readonly AddedTokenJson[];
  private readonly normalizeAddedToken: (content: string) => string;
  private readonly matchers = new Map<string, AddedTokenMatcher>();

  constructor(
    path: string,
    protected readonly plan: Plan,
    addedTokens: readonly AddedTokenJson[],
    metadata: TokenMetadata,
    /** What the normalizer makes of an added token's text. */
    normalizeAddedToken: (content: string) => string
  ) {
    const tokenStrings = plan.tokenStrings.slice();
    // HF keeps a normalized added token under its normalized text, which is what decoding shows.
    for (const token of addedTokens) tokenStrings[token.id] = (token.normalized ?? !token.special) ? normalizeAddedToken(token.content) : token.content;
    const idOf = (content: string) => addedTokens.find((token) => token.content === content)?.id ?? plan.tokenId(content);
    super(path, addedTokenFacts({vocabSize: tokenStrings.length, addedTokens, metadata, idOf}));
    this.tokenStrings = tokenStrings;
    this.merger = new BpeMerger(plan.merges);
    this.addedTokens = addedTokens;
    this.normalizeAddedToken = normalizeAddedToken;
    this.specialIds = new Set(this.specialTokens.map((token) => token.id));
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

  async dispose(): Promise<void> {
    this.cache.clear();
  }

  /** The input piece text[start, end) as the normalizer leaves it. */
  protected abstract normalizePiece(text: string, start: number, end: number): NormalizedPiece;
  /** Cuts piece[start, end) into words and encodes each with `encodeWord`. */
  protected abstract encodeWords(piece: string, start: number, end: number, map: PieceMap, sink: Sink): void;
  /** BPE on one word. */
  protected abstract bpe(word: string): WordIds;

  protected encodeWord(text: string, start: number, end: number, map: PieceMap, sink: Sink): void {
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
    const unkId = this.plan.unkId;
    if (typeof ids !== "number" && (ids.length === 0 || (unkId !== undefined && ids.includes(unkId)))) {
      // An unknown token stands for however many characters it fused: give the word's tokens its whole span.
      for (let k = 0; k < ids.length; k++) sink.offsets.push([spanStart(map, start), spanEnd(map, end - 1)]);
      return;
    }
    pushWordOffsets(text, start, end, ids, this.byteLength, map, sink.offsets);
  }

  /** Added-token matcher for tokens that match before (`normalized` false) or after normalization. */
  private matcher(normalized: boolean, recognizeSpecial: boolean): AddedTokenMatcher {
    const key = `${normalized}/${recognizeSpecial}`;
    let matcher = this.matchers.get(key);
    if (matcher === undefined) {
      matcher = new AddedTokenMatcher(
        this.addedTokens
          .filter((token) => (token.normalized ?? !token.special) === normalized && (recognizeSpecial || token.special !== true))
          .map((token) => ({
            id: token.id,
            content: normalized ? this.normalizeAddedToken(token.content) : token.content,
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

  /** A stretch of the input between raw added tokens: normalize, match normalized added tokens, encode words. */
  private encodeRawPiece(text: string, start: number, end: number, sink: Sink, recognize: boolean): void {
    if (start === end) return;
    const {piece, map} = this.normalizePiece(text, start, end);
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
}
