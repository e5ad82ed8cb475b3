import {DocumentLoadError} from "../docs-errors.js";

/** A regular file inside a tar archive; `bytes` is a view into the archive, not a copy. */
export interface TarEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface ReadTarOptions {
  readonly bytes: Uint8Array;
  /** The archive's source, used in error messages. */
  readonly source: string;
}

const BLOCK = 512;
const utf8 = new TextDecoder("utf-8");

/**
 * Lists the regular files of a tar archive (ustar, GNU long names `L`, pax `x` headers for path and size).
 * Directories, links and devices are skipped. Throws `DocumentLoadError` ("corrupt tar: ...") for a bad header
 * checksum or a member running past the end.
 */
export function readTarEntries(options: ReadTarOptions): TarEntry[] {
  const {bytes, source} = options;
  const corrupt = (detail: string): DocumentLoadError => new DocumentLoadError(source, `corrupt tar: ${detail}`);
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  let position = 0;
  while (position + BLOCK <= bytes.length) {
    const header = bytes.subarray(position, position + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumMatches(header)) {
      throw corrupt(position === 0 ? "not a tar archive (bad header checksum)" : `bad header checksum at byte ${position}`);
    }
    const type = String.fromCharCode(header[156]);
    const paxSize = pax?.get("size");
    const size = paxSize != null && /^\d+$/.test(paxSize) ? Number(paxSize) : readNumber(header.subarray(124, 136));
    if (size == null) throw corrupt(`unreadable size at byte ${position}`);
    const dataStart = position + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) throw corrupt("a member runs past the end of the archive (truncated?)");
    const data = bytes.subarray(dataStart, dataEnd);
    position = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === "L") {
      longName = readString(data);
      continue;
    }
    if (type === "x") {
      pax = readPax(data);
      continue;
    }
    if (type === "g" || type === "K") continue;
    const name = pax?.get("path") ?? longName ?? headerName(header);
    longName = undefined;
    pax = undefined;
    if (type === "0" || type === "\0" || type === "7") entries.push({name, bytes: data});
  }
  return entries;
}

function headerName(header: Uint8Array): string {
  const name = readString(header.subarray(0, 100));
  // Only POSIX ustar ("ustar\0") has a prefix field; GNU's "ustar  " keeps other data there.
  const posix = readString(header.subarray(257, 263)) === "ustar" && header[262] === 0;
  const prefix = posix ? readString(header.subarray(345, 500)) : "";
  return prefix === "" ? name : `${prefix}/${name}`;
}

function readString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return utf8.decode(end === -1 ? field : field.subarray(0, end));
}

/** Octal text, or GNU's base-256 (high bit set) for sizes past 8 GB. */
function readNumber(field: Uint8Array): number | undefined {
  if ((field[0] & 0x80) !== 0) {
    let value = 0;
    for (let index = 1; index < field.length; index++) value = value * 256 + field[index];
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = readString(field).trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

function checksumMatches(header: Uint8Array): boolean {
  const stored = readNumber(header.subarray(148, 156));
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 0x20 : header[index];
  return stored === sum;
}

/** Pax records are `<length> <key>=<value>\n`, the length counting the whole record. */
function readPax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space === -1) break;
    const length = Number(utf8.decode(data.subarray(position, space)));
    if (!Number.isInteger(length) || length <= 0 || position + length > data.length) break;
    const record = utf8.decode(data.subarray(space + 1, position + length - 1));
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    position += length;
  }
  return records;
}
