import type {GgufNumberType} from "./gguf-types.js";

type NumberWriter = (buffer: Buffer, value: number, offset: number) => number;

const NUMBER_WRITERS: Readonly<Record<GgufNumberType, {bytes: number; write: NumberWriter}>> = {
  u8: {bytes: 1, write: (b, v, o) => b.writeUInt8(v, o)},
  i8: {bytes: 1, write: (b, v, o) => b.writeInt8(v, o)},
  u16: {bytes: 2, write: (b, v, o) => b.writeUInt16LE(v, o)},
  i16: {bytes: 2, write: (b, v, o) => b.writeInt16LE(v, o)},
  u32: {bytes: 4, write: (b, v, o) => b.writeUInt32LE(v, o)},
  i32: {bytes: 4, write: (b, v, o) => b.writeInt32LE(v, o)},
  f32: {bytes: 4, write: (b, v, o) => b.writeFloatLE(v, o)},
  f64: {bytes: 8, write: (b, v, o) => b.writeDoubleLE(v, o)}
};

/** A growable little-endian buffer for GGUF headers (which hold whole vocabularies, so a few MB). */
export class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** Grows the buffer if needed; read `this.buffer` only after calling it. */
  private reserve(bytes: number): number {
    const at = this.length;
    if (at + bytes > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(this.buffer.length * 2, at + bytes));
      this.buffer.copy(grown, 0, 0, at);
      this.buffer = grown;
    }
    this.length += bytes;
    return at;
  }

  number(type: GgufNumberType, value: number): void {
    const {bytes, write} = NUMBER_WRITERS[type];
    const at = this.reserve(bytes);
    write(this.buffer, value, at);
  }

  u64(value: bigint | number): void {
    const at = this.reserve(8);
    this.buffer.writeBigUInt64LE(BigInt(value), at);
  }

  i64(value: bigint): void {
    const at = this.reserve(8);
    this.buffer.writeBigInt64LE(value, at);
  }

  bool(value: boolean): void {
    const at = this.reserve(1);
    this.buffer.writeUInt8(value ? 1 : 0, at);
  }

  /** GGUF strings: u64 byte length, then UTF-8 bytes without a terminator. */
  string(value: string): void {
    const bytes = Buffer.byteLength(value, "utf8");
    this.u64(bytes);
    const at = this.reserve(bytes);
    this.buffer.write(value, at, bytes, "utf8");
  }

  bytes(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.buffer.set(data, at);
  }

  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    const at = this.reserve(pad);
    this.buffer.fill(0, at, this.length);
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
