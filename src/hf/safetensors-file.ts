import {open, rename, rm, type FileHandle} from "node:fs/promises";
import {float16ArrayToFloat32, float32ArrayToFloat16} from "../gguf/index.js";
import {temporaryPathFor} from "../util/index.js";
import {HfModelError} from "./hf-errors.js";

/**
 * safetensors files (8-byte little-endian header length, JSON header, raw little-endian data) as Hugging Face
 * checkpoints and PEFT adapters store them. Reading opens the header only; each tensor is then read from its own
 * byte range, so a 10 GB checkpoint is never in memory whole.
 */

export type SafetensorsDtype = "F32" | "F16" | "BF16";

const BYTES: Readonly<Record<SafetensorsDtype, number>> = {F32: 4, F16: 2, BF16: 2};

export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  /** Row-major, as PyTorch reports it. */
  readonly shape: readonly number[];
  /** Absolute byte range in the file. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly path: string;
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A header larger than this is not a safetensors file (the reference implementation caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HfModelError(path, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(error)})`, {cause: error});
  }
}

/** The tensor table and `__metadata__` of a safetensors file; every entry's dtype, shape and byte range checked. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await openForReading(path);
  try {
    const size = (await handle.stat()).size;
    const prefix = Buffer.alloc(8);
    if (size < 8 || (await handle.read(prefix, 0, 8, 0)).bytesRead < 8) throw new HfModelError(path, "not a safetensors file (too short)");
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) throw new HfModelError(path, "not a safetensors file (header length past the end)");
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new HfModelError(path, "not a safetensors file (bad header JSON)");
    }
    const dataStart = 8 + headerLength;
    const tensors = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(header)) {
      if (name === "__metadata__") {
        metadata = (value ?? {}) as Record<string, string>;
        continue;
      }
      const info = value as {dtype?: unknown; shape?: unknown; data_offsets?: unknown};
      const dtype = info.dtype as SafetensorsDtype;
      if (!(typeof dtype === "string" && dtype in BYTES))
        throw new HfModelError(path, `tensor ${name} is ${String(info.dtype)}; only F32, F16 and BF16 tensors can be read`);
      const shape = info.shape;
      const offsets = info.data_offsets;
      if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0) || !Array.isArray(offsets) || offsets.length !== 2)
        throw new HfModelError(path, `tensor ${name} has a malformed shape or data_offsets`);
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      const [begin, end] = offsets as [number, number];
      if (end - begin !== count * BYTES[dtype] || begin < 0 || dataStart + end > size)
        throw new HfModelError(path, `tensor ${name} is truncated or inconsistent with its shape [${shape.join(", ")}]`);
      tensors.set(name, {dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end});
    }
    return {path, tensors, metadata};
  } finally {
    await handle.close();
  }
}

function bfloat16ToFloat32(halves: Uint16Array): Float32Array {
  const bits = new Uint32Array(halves.length);
  for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
  return new Float32Array(bits.buffer);
}

/** BF16 is the upper half of an F32 (rounded to nearest, ties to even, as PyTorch's conversion does). */
function float32ToBfloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** One tensor as F32 (F16 and BF16 widened exactly), read from its byte range only. */
export async function readSafetensorsTensor(header: SafetensorsHeader, name: string): Promise<Float32Array> {
  const entry = header.tensors.get(name);
  if (entry == null) throw new HfModelError(header.path, `has no tensor ${name}`);
  const handle = await openForReading(header.path);
  try {
    const bytes = new Uint8Array(entry.end - entry.begin);
    const {bytesRead} = await handle.read(bytes, 0, bytes.length, entry.begin);
    if (bytesRead !== bytes.length) throw new HfModelError(header.path, `tensor ${name} is truncated`);
    if (entry.dtype === "F32") return new Float32Array(bytes.buffer);
    const halves = new Uint16Array(bytes.buffer);
    return entry.dtype === "F16" ? float16ArrayToFloat32(halves) : bfloat16ToFloat32(halves);
  } finally {
    await handle.close();
  }
}

export interface SafetensorsTensorInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** Stored type; defaults to F32. */
  readonly dtype?: SafetensorsDtype;
}

function encoded(tensor: SafetensorsTensorInput): Uint8Array {
  const dtype = tensor.dtype ?? "F32";
  const values = dtype === "F32" ? tensor.data : dtype === "F16" ? float32ArrayToFloat16(tensor.data) : float32ToBfloat16(tensor.data);
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Writes a safetensors file under a temporary name, then renames it into place. Tensors are stored in the order
 * given (the reference implementation sorts by dtype and name; readers do not care).
 */
export async function writeSafetensorsFile(path: string, tensors: readonly SafetensorsTensorInput[], metadata: Readonly<Record<string, string>> = {}): Promise<void> {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? {__metadata__: metadata} : {};
  let offset = 0;
  for (const tensor of tensors) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) throw new HfModelError(path, `tensor ${tensor.name}: shape [${tensor.shape.join(", ")}] does not hold ${tensor.data.length} values`);
    const bytes = count * BYTES[tensor.dtype ?? "F32"];
    header[tensor.name] = {dtype: tensor.dtype ?? "F32", shape: tensor.shape, data_offsets: [offset, offset + bytes]};
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The data section starts 8-byte aligned, as the reference implementation pads it.
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const tmp = temporaryPathFor(path);
  try {
    const handle = await open(tmp, "w");
    try {
      await handle.write(prefix);
      await handle.write(headerBytes);
      for (const tensor of tensors) await handle.write(encoded(tensor));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, {force: true});
    throw error;
  }
}
