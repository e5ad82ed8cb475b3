import type {GgufNumberType} from "./gguf-types.js";

/** Thrown when the parser needs bytes past the end of what was loaded; the caller loads more or reports truncation. */
export class OutOfBytes extends Error {
  constructor(readonly needed: number) {
    super(`needs byte ${needed}`);
  }
}

/** A malformed value at a position; turned into a GgufFormatError naming the file. */
export class MalformedGguf extends Error {
  constructor(
    message: string,
    readonly byteOffset: number
  ) {
    super(message);
  }
}

type NumberReader = (buffer: Buffer, offset: number) => number;

const NUMBER_READERS: Readonly<Record<GgufNumberType, {bytes: number; read: NumberReader}>> = {
  u8: {bytes: 1, read: (b, o) => b.readUInt8(o)},
  i8: {bytes: 1, read: (b, o) => b.readInt8(o)},
  u16: {bytes: 2, read: (b, o) => b.readUInt16LE(o)},
  i16: {bytes: 2, read: (b, o) => b.readInt16LE(o)},
  u32: {bytes: 4, read: (b, o) => b.readUInt32LE(o)},
  i32: {bytes: 4, read: (b, o) => b.readInt32LE(o)},
  f32: {bytes: 4, read: (b, o) => b.readFloatLE(o)},
  f64: {bytes: 8, read: (b, o) => b.readDoubleLE(o)}
};

const TYPED_ARRAYS: Readonly<Record<GgufNumberType, {new (length: number): ArrayLike<number> & {[i: number]: number}}>> = {
  u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array, f32: Float32Array, f64: Float64Array
};

/** Sequential little-endian reads over a loaded prefix of a file of `fileSize` bytes. */
export class ByteReader {
  position = 0;
  private readonly decoder = new TextDecoder("utf-8", {fatal: true, ignoreBOM: true});

  constructor(
    private readonly buffer: Buffer,
    readonly fileSize: number
  ) {}

  private take(bytes: number): number {
    const at = this.position;
    const end = at + bytes;
    if (end > this.buffer.length) throw new OutOfBytes(end);
    this.position = end;
    return at;
  }

  number(type: GgufNumberType): number {
    const {bytes, read} = NUMBER_READERS[type];
    return read(this.buffer, this.take(bytes));
  }

  numbers(type: GgufNumberType, count: number, what: string): ArrayLike<number> {
    const {bytes, read} = NUMBER_READERS[type];
    this.checkCount(count, bytes, what);
    const out = new TYPED_ARRAYS[type](count);
    const at = this.take(count * bytes);
    for (let i = 0; i < count; i++) out[i] = read(this.buffer, at + i * bytes);
    return out;
  }

  u64(): bigint {
    return this.buffer.readBigUInt64LE(this.take(8));
  }

  i64(): bigint {
    return this.buffer.readBigInt64LE(this.take(8));
  }

  /** A u64 that must fit a JS number and be plausible for this file (counts and lengths). */
  size(what: string): number {
    const at = this.position;
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedGguf(`${what} ${value} is impossibly large`, at);
    return Number(value);
  }

  bool(): boolean {
    const at = this.position;
    const value = this.buffer.readUInt8(this.take(1));
    if (value > 1) throw new MalformedGguf(`boolean value ${value} is not 0 or 1`, at);
    return value === 1;
  }

  string(what: string): string {
    const at = this.position;
    const length = this.size(`${what} length`);
    if (at + 8 + length > this.fileSize) throw new MalformedGguf(`truncated or corrupt: ${what} length ${length} runs past the end of the file`, at);
    const start = this.take(length);
    try {
      return this.decoder.decode(this.buffer.subarray(start, start + length));
    } catch {
      throw new MalformedGguf(`${what} is not valid UTF-8`, start);
    }
  }

  /**
   * Rejects element counts that could not fit in the rest of the file, before allocating for them (and before
   * node-llama-cpp, which waits forever on such a file, is given it).
   */
  checkCount(count: number, minBytesEach: number, what: string): void {
    if (this.position + count * minBytesEach > this.fileSize)
      throw new MalformedGguf(`truncated or corrupt: ${count} items of ${what} run past the end of the file`, this.position);
  }
}
