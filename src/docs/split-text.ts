/**
 * h2oGPT's chunker: LangChain's RecursiveCharacterTextSplitter with h2oGPT's defaults (512 characters, overlap 0,
 * separators "\n\n", "\n", " ", ""; separators kept at the start of the piece they begin; chunks trimmed). It gives
 * the same chunks as @langchain/textsplitters 1.0.2 (a golden test checks it), but works on offsets into the text,
 * so every chunk knows where it came from, and it never copies a piece before it is needed.
 */

export const DEFAULT_CHUNK_SIZE = 512;
export const DEFAULT_SEPARATORS: readonly string[] = ["\n\n", "\n", " ", ""];

export interface TextChunk {
  readonly text: string;
  /** Offsets into the split text, in UTF-16 code units: `text === source.slice(start, end)`. */
  readonly start: number;
  readonly end: number;
}

export interface SplitTextOptions {
  readonly text: string;
  /** Maximum chunk length as `lengthOf` measures it (characters by default). */
  readonly chunkSize?: number;
  readonly chunkOverlap?: number;
  readonly separators?: readonly string[];
  /** A length other than characters, e.g. a tokenizer's count for token-sized chunks. */
  readonly lengthOf?: (text: string) => number;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * @example
 * splitText({text: "First paragraph.\n\nSecond one.", chunkSize: 20})
 * // [{text: "First paragraph.", start: 0, end: 16}, {text: "Second one.", start: 18, end: 29}]
 */
export function splitText(options: SplitTextOptions): TextChunk[] {
  const {text, chunkSize = DEFAULT_CHUNK_SIZE, chunkOverlap = 0, separators = DEFAULT_SEPARATORS} = options;
  if (!(chunkSize > 0)) throw new RangeError(`chunk size must be positive, got ${chunkSize}`);
  if (chunkOverlap < 0 || chunkOverlap >= chunkSize) throw new RangeError(`chunk overlap must be in [0, chunk size), got ${chunkOverlap}`);
  const lengthOf = options.lengthOf;
  const spanLength = lengthOf == null ? (span: Span) => span.end - span.start : (span: Span) => lengthOf(text.slice(span.start, span.end));
  const chunks: TextChunk[] = [];

  function emit(first: Span, last: Span): void {
    let start = first.start;
    let end = last.end;
    while (start < end && isWhitespace(text.charCodeAt(start))) start++;
    while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
    if (end > start) chunks.push({text: text.slice(start, end), start, end});
  }

  /** LangChain's mergeSplits with an empty joiner: consecutive pieces grouped up to chunkSize, with overlap. */
  function merge(pieces: readonly Span[], lengths: readonly number[]): void {
    let from = 0;
    let total = 0;
    for (let i = 0; i < pieces.length; i++) {
      const length = lengths[i]!;
      if (total + length > chunkSize && i > from) {
        emit(pieces[from]!, pieces[i - 1]!);
        while (total > chunkOverlap || (total + length > chunkSize && total > 0)) {
          total -= lengths[from]!;
          from++;
        }
      }
      total += length;
    }
    if (from < pieces.length) emit(pieces[from]!, pieces[pieces.length - 1]!);
  }

  function split(span: Span, separatorIndex: number): void {
    let index = separatorIndex;
    while (index < separators.length - 1 && separators[index] !== "" && !includes(span, separators[index]!)) index++;
    const separator = separators[index]!;
    const deeper = separator === "" || index === separators.length - 1 ? undefined : index + 1;
    let good: Span[] = [];
    let goodLengths: number[] = [];
    for (const piece of pieces(span, separator)) {
      const length = spanLength(piece);
      if (length < chunkSize) {
        good.push(piece);
        goodLengths.push(length);
        continue;
      }
      if (good.length > 0) {
        merge(good, goodLengths);
        good = [];
        goodLengths = [];
      }
      if (deeper == null) emit(piece, piece);
      else split(piece, deeper);
    }
    if (good.length > 0) merge(good, goodLengths);
  }

  function includes(span: Span, separator: string): boolean {
    const at = text.indexOf(separator, span.start);
    return at !== -1 && at + separator.length <= span.end;
  }

  /** The text cut before every occurrence of `separator` (overlapping ones too, as a lookahead split does). */
  function* pieces(span: Span, separator: string): Generator<Span> {
    if (separator === "") {
      for (let i = span.start; i < span.end; i++) yield {start: i, end: i + 1};
      return;
    }
    let start = span.start;
    let at = text.indexOf(separator, start + 1);
    while (at !== -1 && at + separator.length <= span.end) {
      yield {start, end: at};
      start = at;
      at = text.indexOf(separator, at + 1);
    }
    if (span.end > start) yield {start, end: span.end};
  }

  if (text.length > 0) split({start: 0, end: text.length}, 0);
  return chunks;
}

/** JavaScript's `String.prototype.trim` whitespace, which LangChain's trim uses. */
function isWhitespace(code: number): boolean {
  return (
    (code >= 9 && code <= 13) ||
    code === 32 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
