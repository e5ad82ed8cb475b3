import {type NfcEdit, originalEnd, originalStart} from "./nfc-alignment.js";

/**
 * How units of the text being split map to the caller's text: unit + shift is a unit of the normalized piece,
 * which starts at `base` in the input and differs from it by `edits`. Units before `firstUnit` were inserted
 * (a ByteLevel prefix space) and stand for no input.
 */
export interface PieceMap {
  readonly base: number;
  readonly edits: readonly NfcEdit[] | undefined;
  readonly shift: number;
  readonly firstUnit: number;
}

/** Where `unit` starts in the caller's text. */
export function spanStart(map: PieceMap, unit: number): number {
  const at = Math.max(unit + map.shift, map.firstUnit);
  return map.base + (map.edits === undefined ? at : originalStart(map.edits, at));
}

/** Where `lastUnit` ends in the caller's text (an inserted unit ends where it starts). */
export function spanEnd(map: PieceMap, lastUnit: number): number {
  const at = lastUnit + map.shift;
  if (at < map.firstUnit) return spanStart(map, lastUnit);
  return map.base + (map.edits === undefined ? at + 1 : originalEnd(map.edits, at));
}

function utf8Length(unit: number): number {
  return unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit <= 0xdbff ? 4 : 3;
}

/**
 * Spans of the tokens of the word text[start, end), given each token's length in bytes (`byteLength[id]`): the
 * bytes a token covers, widened to the characters they belong to (so the pieces of one character share its
 * span). A word of one token spans the whole word.
 */
export function pushWordOffsets(
  text: string,
  start: number,
  end: number,
  ids: number | readonly number[],
  byteLength: Int32Array,
  map: PieceMap,
  offsets: [number, number][]
): void {
  if (typeof ids === "number") {
    offsets.push([spanStart(map, start), spanEnd(map, end - 1)]);
    return;
  }
  let unit = start;
  let bytesIntoUnit = 0;
  for (let k = 0; k < ids.length; k++) {
    let remaining = byteLength[ids[k]!]!;
    const first = unit;
    let last = unit;
    while (remaining > 0) {
      const unitBytes = utf8Length(text.charCodeAt(unit));
      const take = Math.min(remaining, unitBytes - bytesIntoUnit);
      remaining -= take;
      bytesIntoUnit += take;
      last = unit;
      if (bytesIntoUnit === unitBytes) {
        unit += unitBytes === 4 ? 2 : 1;
        bytesIntoUnit = 0;
      }
    }
    const lastUnit = utf8Length(text.charCodeAt(last)) === 4 ? last + 1 : last;
    offsets.push([spanStart(map, first), spanEnd(map, lastUnit)]);
  }
}
