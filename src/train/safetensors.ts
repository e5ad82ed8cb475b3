import {open, readFile} from "node:fs/promises";
import {CheckpointError} from "./train-errors.js";

/**
 * F32 tensors in the safetensors layout (8-byte little-endian header length, JSON header, raw data), the format
 * Hugging Face checkpoints use, so our checkpoints open in Python's `safetensors` too.
 */

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, NamedTensor>,
  metadata: Readonly<Record<string, string>> = {}
): Promise<void> {
  const header: Record<string, unknown> = {__metadata__: metadata};
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const bytes = tensor.data.length * 4;
    header[name] = {dtype: "F32", shape: tensor.shape, data_offsets: [offset, offset + bytes]};
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The data section starts 8-byte aligned, as the reference implementation pads it.
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const handle = await open(path, "w");
  try {
    await handle.write(prefix);
    await handle.write(headerBytes);
    for (const tensor of tensors.values())
      await handle.write(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function readSafetensors(path: string): Promise<{tensors: Map<string, NamedTensor>; metadata: Record<string, string>}> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : "cannot read";
    throw new CheckpointError(path, reason, {cause: error});
  }
  if (bytes.length < 8) throw new CheckpointError(path, "not a safetensors file (too short)");
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8) throw new CheckpointError(path, "not a safetensors file (header past the end)");
  let header: Record<string, {dtype: string; shape: number[]; data_offsets: [number, number]} | Record<string, string>>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
  } catch {
    throw new CheckpointError(path, "not a safetensors file (bad header JSON)");
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const info = entry as {dtype: string; shape: number[]; data_offsets: [number, number]};
    if (info.dtype !== "F32") throw new CheckpointError(path, `tensor ${name} is ${info.dtype}; only F32 is supported`);
    const [begin, end] = info.data_offsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || dataStart + end > bytes.length)
      throw new CheckpointError(path, `tensor ${name} is truncated or inconsistent with its shape`);
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, {shape: info.shape, data});
  }
  return {tensors, metadata};
}
