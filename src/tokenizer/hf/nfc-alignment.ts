/**
 * NFC with a map back to the original text, so offsets can point into what the caller passed. Text NFC leaves
 * alone (nearly all text) costs one scan and gets no map; otherwise only the characters NFC changed are
 * recorded, as edits.
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

/** NFC can only change text holding a code point at or above U+0300 (combining marks, singletons, Hangul). */
const MAY_CHANGE = /[^\u0000-\u02ff]/;
/**
 * Stretches NFC might change: a character followed by marks (or Hangul vowel/trailing jamo) it may compose or
 * reorder with, or a lone character at or above U+0300. NFC never reaches across the start of such a
 * stretch, so each normalizes on its own.
 */
const CANDIDATE = /[\s\S][\p{M}\u1160-\u11ff]+|[^\u0000-\u02ff]/gu;

export function nfcAligned(input: string): AlignedText {
  if (!MAY_CHANGE.test(input)) return {text: input};
  const whole = input.normalize("NFC");
  if (whole === input) return {text: input};

  const parts: string[] = [];
  const edits: NfcEdit[] = [];
  let copiedTo = 0;
  let written = 0;
  for (const match of input.matchAll(CANDIDATE)) {
    const original = match[0];
    const normalized = original.normalize("NFC");
    if (normalized === original) continue;
    const start = match.index;
    parts.push(input.slice(copiedTo, start), normalized);
    written += start - copiedTo;
    edits.push({normStart: written, normEnd: written + normalized.length, origStart: start, origEnd: start + original.length});
    written += normalized.length;
    copiedTo = start + original.length;
  }
  parts.push(input.slice(copiedTo));
  if (parts.join("") === whole) return {text: whole, edits};
  // Not expected with Unicode's tables, but ids must stay exact: keep the whole-string result, coarse spans.
  return {text: whole, edits: [{normStart: 0, normEnd: whole.length, origStart: 0, origEnd: input.length}]};
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
