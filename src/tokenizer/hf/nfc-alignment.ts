/**
 * NFC with a map back to the original text, so offsets can point into what the caller passed. Text NFC leaves
 * alone (nearly all text) costs one scan and gets no map; otherwise only the clusters NFC changed are recorded,
 * as edits.
 */

/** Normalized units [normStart, normEnd) came from original units [origStart, origEnd). */
export interface NfcEdit {
  readonly normStart: number;
  readonly normEnd: number;
  readonly origStart: number;
  readonly origEnd: number;
}

export interface AlignedText {
  readonly text: string;
  /** Changed stretches in order; everything between them is unchanged. Undefined when nothing changed. */
  readonly edits?: readonly NfcEdit[];
}

/** 2 for a combining mark or Hangul vowel/trailing jamo (composes with what precedes it), 1 for not, 0 unknown. */
const markLike = new Uint8Array(0x10000);
const MARK = /^\p{M}$/u;

function isMarkLike(codePoint: number): boolean {
  if (codePoint >= 0x1160 && codePoint <= 0x11ff) return true;
  if (codePoint >= 0x10000) return MARK.test(String.fromCodePoint(codePoint));
  if (markLike[codePoint] === 0) markLike[codePoint] = MARK.test(String.fromCharCode(codePoint)) ? 2 : 1;
  return markLike[codePoint] === 2;
}

/**
 * NFC changes nothing below U+0300, and never reaches across the start of a cluster (a character and the
 * marks that follow it), so only clusters holding a code point at or above U+0300 are normalized, each on
 * its own: one pass over the text, no copy of it unless something changed.
 */
export function nfcAligned(input: string): AlignedText {
  const parts: string[] = [];
  const edits: NfcEdit[] = [];
  let copiedTo = 0;
  let written = 0;
  let covered = 0;
  for (let i = 0; i < input.length; i++) {
    if (input.charCodeAt(i) < 0x300 || i < covered) continue;
    const first = input.codePointAt(i)!;
    const start = isMarkLike(first) && i > covered ? i - 1 : i;
    let end = i + (first >= 0x10000 ? 2 : 1);
    for (let next = input.codePointAt(end); next !== undefined && isMarkLike(next); next = input.codePointAt(end)) {
      end += next >= 0x10000 ? 2 : 1;
    }
    covered = end;
    i = end - 1;
    const cluster = input.slice(start, end);
    const normalized = cluster.normalize("NFC");
    if (normalized === cluster) continue;
    parts.push(input.slice(copiedTo, start), normalized);
    written += start - copiedTo;
    edits.push({normStart: written, normEnd: written + normalized.length, origStart: start, origEnd: end});
    written += normalized.length;
    copiedTo = end;
  }
  if (edits.length === 0) return {text: input};
  parts.push(input.slice(copiedTo));
  return {text: parts.join(""), edits};
}

/** Index of the last edit starting at or before `unit`, or -1. */
function editAt(edits: readonly NfcEdit[], unit: number): number {
  let low = 0;
  let high = edits.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (edits[mid]!.normStart <= unit) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** Where normalized unit `unit` starts in the original. */
export function originalStart(edits: readonly NfcEdit[], unit: number): number {
  const at = editAt(edits, unit);
  if (at < 0) return unit;
  const edit = edits[at]!;
  return unit < edit.normEnd ? edit.origStart : unit - edit.normEnd + edit.origEnd;
}

/** Where normalized unit `unit` ends in the original. */
export function originalEnd(edits: readonly NfcEdit[], unit: number): number {
  const at = editAt(edits, unit);
  if (at < 0) return unit + 1;
  const edit = edits[at]!;
  return unit < edit.normEnd ? edit.origEnd : unit + 1 - edit.normEnd + edit.origEnd;
}
