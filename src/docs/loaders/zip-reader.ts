import {crc32, inflateRawSync} from "node:zlib";
import {DocumentLoadError} from "../docs-errors.js";

/** One member of a ZIP archive as its central directory describes it; nothing is inflated until `read()`. */
export interface ZipEntry {
  /** The member path as stored (UTF-8), a label only: members are never written to disk. */
  readonly name: string;
  readonly directory: boolean;
  readonly encrypted: boolean;
  /** 0 = stored, 8 = deflate; anything else cannot be read. */
  readonly method: number;
  readonly compressedSize: number;
  /** As declared: `read()` never produces more than this, so callers check it against their limits first. */
  readonly uncompressedSize: number;
  /**
   * The member's bytes, inflated with the declared size as a hard cap (a member that expands past it is corrupt,
   * not trusted). Throws `DocumentLoadError` (source `archive!/member`) for encrypted, unsupported or corrupt data.
   */
  read(): Uint8Array;
}

export interface ReadZipOptions {
  readonly bytes: Uint8Array;
  /** The archive's source, used in error messages. */
  readonly source: string;
  /** What the archive is to the user ("zip", "DOCX"): errors say `corrupt <label>: ...`. */
  readonly label: string;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_EXTRA = 0x0001;
const FLAG_ENCRYPTED = 0x0001;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const METHOD_AES = 99;

const METHOD_NAMES: Readonly<Record<number, string>> = {
  9: "deflate64",
  12: "bzip2",
  14: "lzma",
  93: "zstd",
  95: "xz",
  98: "ppmd"
};

const utf8 = new TextDecoder("utf-8");

/**
 * Lists the members of a ZIP archive from its central directory (ZIP64 included). Nothing is inflated here;
 * each entry's `read()` does that, bounded by the entry's declared size. Throws `DocumentLoadError`
 * ("corrupt <label>: ...") when the bytes are not a readable ZIP.
 */
export function readZipEntries(options: ReadZipOptions): ZipEntry[] {
  const {bytes, source, label} = options;
  const corrupt = (detail: string): DocumentLoadError => new DocumentLoadError(source, `corrupt ${label}: ${detail}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw corrupt("not a zip archive (no end of central directory record)");

  let count = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const zip64 = readZip64End(view, eocd);
    if (zip64 == null) throw corrupt("ZIP64 end of central directory record is missing or damaged");
    ({count, size, offset} = zip64);
  }
  if (offset + size > eocd) throw corrupt("central directory lies outside the file (truncated download?)");

  const entries: ZipEntry[] = [];
  let position = offset;
  const end = offset + size;
  while (entries.length < count) {
    if (position + CENTRAL_BYTES > end || view.getUint32(position, true) !== CENTRAL_SIGNATURE) {
      throw corrupt(`central directory entry ${entries.length + 1} of ${count} is damaged`);
    }
    const flags = view.getUint16(position + 8, true);
    const method = view.getUint16(position + 10, true);
    const crc = view.getUint32(position + 16, true);
    let compressedSize = view.getUint32(position + 20, true);
    let uncompressedSize = view.getUint32(position + 24, true);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    let localOffset = view.getUint32(position + 42, true);
    const nameStart = position + CENTRAL_BYTES;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > end) throw corrupt(`central directory entry ${entries.length + 1} runs past its end`);
    const name = utf8.decode(bytes.subarray(nameStart, extraStart));

    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      const extra = findExtraField(view, extraStart, extraStart + extraLength, ZIP64_EXTRA);
      if (extra == null) throw corrupt(`"${name}" lacks its ZIP64 sizes`);
      // The ZIP64 extra holds only the fields whose 32-bit slot is saturated, in this order.
      let field = extra.start;
      const take = (): number => {
        if (field + 8 > extra.end) throw corrupt(`"${name}" has a truncated ZIP64 field`);
        const value = readUint64(view, field);
        if (value == null) throw corrupt(`"${name}" declares an impossible size`);
        field += 8;
        return value;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localOffset === 0xffffffff) localOffset = take();
    }

    entries.push(
      makeEntry({
        bytes,
        view,
        source,
        name,
        flags,
        method,
        crc,
        compressedSize,
        uncompressedSize,
        localOffset
      })
    );
    position = next;
  }
  return entries;
}

interface EntryFields {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly source: string;
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localOffset: number;
}

function makeEntry(fields: EntryFields): ZipEntry {
  const {bytes, view, source, name, flags, method, crc, compressedSize, uncompressedSize, localOffset} = fields;
  const encrypted = (flags & FLAG_ENCRYPTED) !== 0 || method === METHOD_AES;
  const memberSource = `${source}!/${name}`;
  const failure = (reason: string): DocumentLoadError => new DocumentLoadError(memberSource, reason);
  return {
    name,
    directory: name.endsWith("/"),
    encrypted,
    method,
    compressedSize,
    uncompressedSize,
    read(): Uint8Array {
      if (encrypted) throw failure("encrypted zip member: password-protected archives are not supported");
      if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
        const known = METHOD_NAMES[method];
        throw failure(`unsupported zip compression method ${method}${known == null ? "" : ` (${known})`}`);
      }
      if (localOffset + LOCAL_BYTES > bytes.length || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) {
        throw failure("corrupt zip member: local header is missing");
      }
      const dataStart =
        localOffset + LOCAL_BYTES + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
      const dataEnd = dataStart + compressedSize;
      if (dataEnd > bytes.length) throw failure("corrupt zip member: data runs past the end of the archive");
      const data = bytes.subarray(dataStart, dataEnd);
      let output: Uint8Array;
      if (method === METHOD_STORED) {
        if (compressedSize !== uncompressedSize) throw failure("corrupt zip member: stored sizes disagree");
        output = data;
      } else {
        try {
          // maxOutputLength makes the declared size a hard cap: a member that lies about its size stops here.
          output = inflateRawSync(data, {maxOutputLength: Math.max(1, uncompressedSize)});
        } catch (error) {
          const code = (error as {code?: string}).code;
          if (code === "ERR_BUFFER_TOO_LARGE") {
            throw failure(`corrupt zip member: expands past its declared ${uncompressedSize} bytes`);
          }
          throw failure(`corrupt zip member: ${(error as Error).message}`);
        }
        if (output.length !== uncompressedSize) {
          throw failure(`corrupt zip member: ${output.length} bytes where ${uncompressedSize} were declared`);
        }
      }
      if (crc32(output) >>> 0 !== crc) throw failure("corrupt zip member: CRC mismatch");
      return output;
    }
  };
}

function findEndOfCentralDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - EOCD_BYTES - MAX_COMMENT_BYTES);
  for (let position = view.byteLength - EOCD_BYTES; position >= lowest; position--) {
    if (view.getUint32(position, true) !== EOCD_SIGNATURE) continue;
    // A signature inside the comment would claim a comment running past the end of the file.
    if (position + EOCD_BYTES + view.getUint16(position + 20, true) <= view.byteLength) return position;
  }
  return -1;
}

function readZip64End(view: DataView, eocd: number): {count: number; size: number; offset: number} | undefined {
  const locator = eocd - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) return undefined;
  const record = readUint64(view, locator + 8);
  if (record == null || record + 56 > locator || view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) return undefined;
  const count = readUint64(view, record + 32);
  const size = readUint64(view, record + 40);
  const offset = readUint64(view, record + 48);
  if (count == null || size == null || offset == null) return undefined;
  return {count, size, offset};
}

function findExtraField(view: DataView, start: number, end: number, id: number): {start: number; end: number} | undefined {
  for (let position = start; position + 4 <= end; ) {
    const fieldId = view.getUint16(position, true);
    const length = view.getUint16(position + 2, true);
    const dataStart = position + 4;
    if (dataStart + length > end) return undefined;
    if (fieldId === id) return {start: dataStart, end: dataStart + length};
    position = dataStart + length;
  }
  return undefined;
}

/** A 64-bit little-endian value, or undefined past Number's exact range (no real archive is that large). */
function readUint64(view: DataView, position: number): number | undefined {
  const value = view.getBigUint64(position, true);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}
