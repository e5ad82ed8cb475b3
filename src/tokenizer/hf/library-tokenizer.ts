import {Tokenizer as LibraryClass} from "@huggingface/tokenizers";
import {pieceBytes, utf8FromPieces} from "../piece-bytes.js";
import {offsetsFromPieces} from "../piece-offsets.js";
import {UnknownTokenIdError} from "../tokenizer-errors.js";
import {cleanUpTokenizationSpaces, type TokenMetadata} from "../token-metadata.js";
import type {DecodeOptions, EncodeOptions, EncodingWithOffsets} from "../tokenizer.js";
import {TokenizerBase} from "../tokenizer-base.js";
import {addedTokenFacts} from "./added-token-facts.js";
import type {ComponentJson, TokenizerJson} from "./tokenizer-json.js";
import {WHITE_SPACE_CLASS_BODY} from "./unicode-class.js";
import {toWellFormed} from "./well-formed.js";

/**
 * The @huggingface/tokenizers library (pure TypeScript) for tokenizer.json files our fast path does not cover
 * (WordPiece, Unigram, SentencePiece-style BPE, unusual normalizers). Its ByteLevel pre-tokenizer uses
 * JavaScript's `\s`, which disagrees with HF's Rust on U+0085 and U+FEFF, so that step is replaced by an
 * equivalent Split with Unicode White_Space spelled out (measured: ids then equal Rust's).
 */

const W = WHITE_SPACE_CLASS_BODY;
/** GPT-2's pattern (the ByteLevel pre-tokenizer's) with `\s` and `\S` spelled out. */
const GPT2_PATTERN_EXPLICIT_SPACE = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${W}\\p{L}\\p{N}]+|[${W}]+(?![^${W}])|[${W}]+`;

function patchPreTokenizer(pre: ComponentJson): ComponentJson {
  if (pre.type === "Sequence") {
    return {...pre, pretokenizers: (pre.pretokenizers as ComponentJson[]).map(patchPreTokenizer)};
  }
  if (pre.type !== "ByteLevel" || pre.use_regex === false) return pre;
  return {
    type: "Sequence",
    pretokenizers: [
      {type: "Split", pattern: {Regex: GPT2_PATTERN_EXPLICIT_SPACE}, behavior: "Isolated", invert: false},
      {...pre, use_regex: false}
    ]
  };
}

/**
 * The part of the library we use. Its bundled .d.ts files import without file extensions, which NodeNext
 * resolution cannot follow, so the types are restated here.
 */
interface HfLibraryTokenizer {
  encode(text: string, options: {add_special_tokens: boolean}): {ids: number[]; tokens: string[]};
  decode(ids: number[], options: {skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean}): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens: boolean): Map<string, number>;
}
const HfLibraryTokenizer = LibraryClass as unknown as new (json: object, config: object) => HfLibraryTokenizer;

/**
 * How the decoder spells text in token strings. For GPT-2 bytes and SentencePiece (`▁`, `<0xXX>`) we read the
 * tokens back ourselves, for offsets and for decoding: the library's decoders drop U+FEFF.
 */
interface Spelling {
  readonly family: "byte-level" | "sentencepiece" | "wordpiece" | "other";
  /** Leading spaces the decoder strips from the decoded text (SentencePiece's dummy prefix). */
  readonly strip: number;
}

function spellingOf(decoder: ComponentJson | null | undefined): Spelling {
  const parts: ComponentJson[] = [];
  const visit = (component: ComponentJson | null | undefined) => {
    if (component == null) return;
    parts.push(component);
    for (const child of (component.decoders as ComponentJson[] | undefined) ?? []) visit(child);
  };
  visit(decoder);
  const find = (type: string) => parts.find((part) => part.type === type);
  if (find("ByteLevel")) return {family: "byte-level", strip: 0};
  if (find("WordPiece")) return {family: "wordpiece", strip: 0};
  const metaspace = find("Metaspace");
  if (metaspace) return {family: "sentencepiece", strip: metaspace.prepend_scheme === "never" || metaspace.add_prefix_space === false ? 0 : 1};
  const replace = find("Replace");
  if (replace && (replace.pattern as {String?: string} | undefined)?.String === "\u2581" && replace.content === " ") {
    const strip = find("Strip");
    return {family: "sentencepiece", strip: strip?.content === " " ? Number(strip.start ?? 0) : 0};
  }
  return {family: "other", strip: 0};
}

/** The text bytes a token string stands for under a spelling. */
function pieceReader(family: Spelling["family"]): (token: string) => Uint8Array {
  if (family === "wordpiece") {
    const encoder = new TextEncoder();
    return (token) => encoder.encode(token.startsWith("##") ? token.slice(2) : token);
  }
  const spelling = family === "byte-level" ? "byte-level" : "sentencepiece";
  return (token) => pieceBytes(token, spelling);
}

export class LibraryTokenizer extends TokenizerBase {
  readonly backend = "huggingface-tokenizers" as const;

  private readonly library: HfLibraryTokenizer;
  private readonly patchedJson: TokenizerJson;
  /** A second instance that does not split on special tokens, built when first asked for. */
  private literalSpecials: HfLibraryTokenizer | undefined;
  private readonly spelling: Spelling;
  private readonly readPiece: (token: string) => Uint8Array;
  private readonly specialIds: ReadonlySet<number>;
  /** How many ids the post-processor puts before the text's own ids. */
  private readonly prefixLength: number;
  private readonly cleanUp: boolean;

  constructor(
    path: string,
    json: TokenizerJson,
    metadata: TokenMetadata,
    /** Why the fast path did not take this file. */
    readonly fallbackReason: string
  ) {
    const patchedJson = {...json, pre_tokenizer: json.pre_tokenizer == null ? json.pre_tokenizer : patchPreTokenizer(json.pre_tokenizer)};
    // The library's own clean-up would change decoded text; we apply transformers' rule ourselves when asked.
    const library = new HfLibraryTokenizer(patchedJson, {clean_up_tokenization_spaces: false});
    let largest = -1;
    for (const id of library.get_vocab(true).values()) largest = Math.max(largest, id);
    super(path, addedTokenFacts({vocabSize: largest + 1, addedTokens: json.added_tokens ?? [], metadata, idOf: (content) => library.token_to_id(content)}));
    this.patchedJson = patchedJson;
    this.library = library;
    this.spelling = spellingOf(json.decoder);
    this.readPiece = pieceReader(this.spelling.family);
    this.specialIds = new Set(this.specialTokens.map((token) => token.id));
    this.cleanUp = metadata.cleanUpTokenizationSpaces === true;
    const probeWith = this.library.encode("a", {add_special_tokens: true}).ids;
    const probeWithout = this.library.encode("a", {add_special_tokens: false}).ids;
    this.prefixLength = Math.max(0, probeWith.findIndex((_, i) => probeWithout.every((id, k) => probeWith[i + k] === id)));
  }

  encode(text: string, options?: EncodeOptions): number[] {
    return this.encoder(options).encode(toWellFormed(text), {add_special_tokens: options?.addSpecialTokens ?? true}).ids;
  }

  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets {
    const encoder = this.encoder(options);
    const input = toWellFormed(text);
    const withSpecials = options?.addSpecialTokens ?? true;
    const encoding = encoder.encode(input, {add_special_tokens: withSpecials});
    const textIds = withSpecials ? encoder.encode(input, {add_special_tokens: false}).ids.length : encoding.ids.length;
    const prefix = withSpecials ? this.prefixLength : 0;
    const pieces = encoding.tokens.map((token, i) => (i < prefix || i >= prefix + textIds ? undefined : this.readPiece(token)));
    // Offsets index the caller's text; toWellFormed keeps every index in place.
    return {ids: encoding.ids, offsets: offsetsFromPieces(input, pieces)};
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || this.library.id_to_token(id) === undefined) throw new UnknownTokenIdError(id, this.vocabSize);
    }
    const skip = options?.skipSpecialTokens ?? false;
    const text = this.readsOwnPieces() ? this.decodePieces(skip ? ids.filter((id) => !this.specialIds.has(id)) : ids) : this.library.decode([...ids], {skip_special_tokens: skip, clean_up_tokenization_spaces: false});
    return this.cleanUp ? cleanUpTokenizationSpaces(text) : text;
  }

  private readsOwnPieces(): boolean {
    return this.spelling.family === "byte-level" || this.spelling.family === "sentencepiece";
  }

  /** The tokens' bytes joined and read as UTF-8, less the leading spaces the decoder strips. */
  private decodePieces(ids: readonly number[]): string {
    let text = utf8FromPieces(ids.map((id) => this.readPiece(this.library.id_to_token(id)!)));
    for (let k = 0; k < this.spelling.strip && text.startsWith(" "); k++) text = text.slice(1);
    return text;
  }

  async dispose(): Promise<void> {}

  private encoder(options: EncodeOptions | undefined): HfLibraryTokenizer {
    if (options?.recognizeSpecialTokens ?? true) return this.library;
    const json = this.patchedJson;
    this.literalSpecials ??= new HfLibraryTokenizer(
      {...json, added_tokens: (json.added_tokens ?? []).filter((token) => token.special !== true)},
      {clean_up_tokenization_spaces: false}
    );
    return this.literalSpecials;
  }
}
