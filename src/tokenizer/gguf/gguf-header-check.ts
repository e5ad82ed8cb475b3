import {open} from "node:fs/promises";
import {InputFileError} from "../../errors/index.js";

/**
 * Walks a GGUF's header, metadata and tensor list with bounds checks before node-llama-cpp sees the file:
 * node-llama-cpp 3.21.1 waits forever on a header that claims more data than the file holds (a truncated or
 * corrupt file), so such a file must be refused here with a one-line reason.
 */

/** Byte sizes of GGUF's fixed-size metadata value types (uint8 ... float64); 8 string and 9 array are variable. */
const VALUE_SIZES: Readonly<Record<number, number>> = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8};
const STRING = 8;
const ARRAY = 9;
/** Far above anything real, far below what would make the walk itself a problem. */
const MAX_COUNT = 2 ** 32;
const MAX_DIMENSIONS = 8;

class Cursor {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(
    private readonly file: Awaited<ReturnType<typeof open>>,
    private readonly size: number,
    private readonly fail: (reason: string) => Error
  ) {}

  /** Makes bytes [position, position + length) available, reading on from the file as needed. */
  private async need(length: number, what: string): Promise<void> {
    if (this.position + length > this.size) throw this.fail(`file ends inside ${what} (byte ${this.position} + ${length} > ${this.size})`);
    const end = this.position + length;
    if (this.position >= this.bufferStart && end <= this.bufferStart + this.buffer.length) return;
    const chunk = Math.min(this.size - this.position, Math.max(length, 1 << 20));
    this.buffer = Buffer.alloc(chunk);
    await this.file.read(this.buffer, 0, chunk, this.position);
    this.bufferStart = this.position;
  }

  async u32(what: string): Promise<number> {
    await this.need(4, what);
    const value = this.buffer.readUInt32LE(this.position - this.bufferStart);
    this.position += 4;
    return value;
  }

  async u64(what: string): Promise<number> {
    await this.need(8, what);
    const value = this.buffer.readBigUInt64LE(this.position - this.bufferStart);
    this.position += 8;
    if (value >= BigInt(MAX_COUNT)) throw this.fail(`${what} is ${value}, not a plausible count`);
    return Number(value);
  }

  async bytes(length: number, what: string): Promise<string> {
    await this.need(length, what);
    const text = this.buffer.toString("utf8", this.position - this.bufferStart, this.position - this.bufferStart + length);
    this.position += length;
    return text;
  }

  async skip(length: number, what: string): Promise<void> {
    if (this.position + length > this.size) throw this.fail(`file ends inside ${what}`);
    this.position += length;
  }
}

async function skipValue(cursor: Cursor, type: number, key: string, fail: (reason: string) => Error): Promise<void> {
  if (type === STRING) {
    await cursor.skip(await cursor.u64(`the length of ${key}`), key);
    return;
  }
  if (type === ARRAY) {
    const elementType = await cursor.u32(`the element type of ${key}`);
    const count = await cursor.u64(`the length of ${key}`);
    if (elementType === STRING) {
      for (let i = 0; i < count; i++) await cursor.skip(await cursor.u64(`${key}[${i}]`), `${key}[${i}]`);
    } else if (VALUE_SIZES[elementType] !== undefined) {
      await cursor.skip(count * VALUE_SIZES[elementType]!, key);
    } else {
      throw fail(`${key} is an array of unknown type ${elementType}`);
    }
    return;
  }
  const size = VALUE_SIZES[type];
  if (size === undefined) throw fail(`${key} has unknown value type ${type}`);
  await cursor.skip(size, key);
}

export async function checkGgufHeader(path: string): Promise<void> {
  const fail = (reason: string) => new InputFileError(path, `not a readable GGUF: ${reason}`);
  const file = await open(path, "r");
  try {
    const cursor = new Cursor(file, (await file.stat()).size, fail);
    if ((await cursor.bytes(4, "the magic number")) !== "GGUF") throw fail("it does not start with GGUF");
    const version = await cursor.u32("the version");
    if (version !== 2 && version !== 3) throw fail(`version ${version} (llama.cpp reads versions 2 and 3)`);
    const tensors = await cursor.u64("the tensor count");
    const entries = await cursor.u64("the metadata count");
    for (let i = 0; i < entries; i++) {
      const key = await cursor.bytes(await cursor.u64(`the length of metadata key ${i}`), `metadata key ${i}`);
      await skipValue(cursor, await cursor.u32(`the type of ${key}`), key, fail);
    }
    for (let i = 0; i < tensors; i++) {
      const name = await cursor.bytes(await cursor.u64(`the length of tensor name ${i}`), `tensor name ${i}`);
      const dimensions = await cursor.u32(`the dimensions of ${name}`);
      if (dimensions > MAX_DIMENSIONS) throw fail(`tensor ${name} has ${dimensions} dimensions`);
      await cursor.skip(8 * dimensions + 4 + 8, `tensor ${name}`);
    }
  } finally {
    await file.close();
  }
}
