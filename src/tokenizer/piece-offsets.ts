/**
 * Offsets for backends that only report which pieces of text their tokens stand for (the @huggingface/tokenizers
 * library, llama.cpp): the pieces are laid over the text's UTF-8 bytes in order. A piece may start with a space
 * the text lacks (SentencePiece's dummy prefix); that space gets no width. Where a normalizer changed the text
 * beyond that, the remaining tokens are spread over the remaining text in proportion, which keeps the spans
 * ordered and inside the text but no longer exact.
 */

/** The UTF-8 bytes of `text` and, for each byte, the UTF-16 index of the character it belongs to. */
function utf8WithUnits(text: string): {bytes: Uint8Array; units: Int32Array} {
  const bytes = new TextEncoder().encode(text);
  const units = new Int32Array(bytes.length + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const length = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < length; k++) units[b++] = i;
    if (code >= 0x10000) i++;
  }
  units[b] = text.length;
  return {bytes, units};
}

function matchesAt(bytes: Uint8Array, at: number, piece: Uint8Array, from: number): boolean {
  if (at + piece.length - from > bytes.length) return false;
  for (let k = from; k < piece.length; k++) if (bytes[at + k - from] !== piece[k]) return false;
  return true;
}

/**
 * One `[start, end)` UTF-16 span per piece. `pieces[i]` is undefined for a token that stands for no text (a BOS
 * the post-processor added): it gets an empty span where it falls.
 */
export function offsetsFromPieces(text: string, pieces: readonly (Uint8Array | undefined)[]): [number, number][] {
  const {bytes, units} = utf8WithUnits(text);
  const charEnd = (byte: number) => {
    const unit = units[byte]!;
    return unit + (text.codePointAt(unit)! >= 0x10000 ? 2 : 1);
  };
  const offsets: [number, number][] = [];
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (piece === undefined || piece.length === 0) {
      offsets.push([units[at]!, units[at]!]);
      continue;
    }
    const skip = matchesAt(bytes, at, piece, 0) ? 0 : piece[0] === 0x20 && matchesAt(bytes, at, piece, 1) ? 1 : -1;
    if (skip < 0) {
      offsets.push(...proportionalSpans(text, units, at, pieces.slice(i)));
      return offsets;
    }
    const width = piece.length - skip;
    offsets.push(width === 0 ? [units[at]!, units[at]!] : [units[at]!, charEnd(at + width - 1)]);
    at += width;
  }
  return offsets;
}

function proportionalSpans(text: string, units: Int32Array, at: number, pieces: readonly (Uint8Array | undefined)[]): [number, number][] {
  const from = units[at]!;
  const total = pieces.reduce((sum, piece) => sum + (piece?.length ?? 0), 0);
  const spans: [number, number][] = [];
  let seen = 0;
  for (const piece of pieces) {
    const start = from + Math.floor(((text.length - from) * seen) / Math.max(total, 1));
    seen += piece?.length ?? 0;
    const end = from + Math.floor(((text.length - from) * seen) / Math.max(total, 1));
    spans.push([start, end]);
  }
  return spans;
}
