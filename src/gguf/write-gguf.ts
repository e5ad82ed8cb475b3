import {open, rename, rm} from "node:fs/promises";
import {temporaryPathFor} from "../util/index.js";
import {ByteWriter} from "./byte-writer.js";
import {float32ArrayToFloat16} from "./float16.js";
import {GgufWriteError} from "./gguf-errors.js";
import {
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_DIMS,
  GGUF_MAX_TENSOR_NAME_BYTES,
  GGUF_VALUE_TYPE_CODES,
  alignTo,
  tensorByteLength,
  type GgmlTypeName,
  type GgufArray,
  type GgufMetadataInput,
  type GgufNumberType,
  type GgufTensorInfo,
  type GgufValue
} from "./gguf-types.js";
import {checkGgufValue, toGgufValue} from "./gguf-value.js";

/**
 * Tensor contents: a Float32Array (converted to the tensor's type, F32 or F16), a Uint16Array of raw half bits
 * (F16/BF16), or a Uint8Array of the exact raw bytes (any type, e.g. copied from another GGUF).
 */
export type GgufTensorData = Float32Array | Uint16Array | Uint8Array;

export interface GgufTensorInput {
  readonly name: string;
  /** GGUF order, fastest-varying first: a PyTorch weight of shape [out, in] has dims [in, out]. */
  readonly dims: readonly number[];
  /** Defaults to F32. */
  readonly type?: GgmlTypeName;
  /** The data, or a function producing it when the tensor is written, so only one tensor is in memory at a time. */
  readonly data: GgufTensorData | (() => GgufTensorData | Promise<GgufTensorData>);
}

export interface WriteGgufOptions {
  /** Key -> value, written in insertion order. */
  readonly metadata: Readonly<Record<string, GgufMetadataInput>>;
  readonly tensors?: readonly GgufTensorInput[];
  /** Data alignment in bytes (a power of two); recorded as `general.alignment` when it is not 32. */
  readonly alignment?: number;
}

export interface WriteGgufResult {
  readonly path: string;
  readonly bytes: number;
  readonly tensors: readonly GgufTensorInfo[];
}

const GGUF_VERSION = 3;
/** F16 conversion works on slices of this many elements so a big tensor never needs two full copies. */
const CONVERT_CHUNK = 1 << 20;

function writeArray(out: ByteWriter, array: GgufArray): void {
  out.number("u32", GGUF_VALUE_TYPE_CODES[array.itemType]);
  out.u64(array.items.length);
  switch (array.itemType) {
    case "string":
      for (const item of array.items) out.string(item);
      return;
    case "bool":
      for (const item of array.items) out.bool(item);
      return;
    case "u64":
      for (const item of array.items) out.u64(item);
      return;
    case "i64":
      for (const item of array.items) out.i64(item);
      return;
    case "array":
      for (const item of array.items) writeArray(out, item);
      return;
    default: {
      const type: GgufNumberType = array.itemType;
      const items = array.items;
      for (let i = 0; i < items.length; i++) out.number(type, items[i]!);
    }
  }
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  out.number("u32", GGUF_VALUE_TYPE_CODES[value.type]);
  switch (value.type) {
    case "string":
      return out.string(value.value);
    case "bool":
      return out.bool(value.value);
    case "u64":
      return out.u64(value.value);
    case "i64":
      return out.i64(value.value);
    case "array":
      return writeArray(out, value.value);
    default:
      return out.number(value.type, value.value);
  }
}

function resolveMetadata(options: WriteGgufOptions): {entries: [string, GgufValue][]; alignment: number} {
  const entries: [string, GgufValue][] = [];
  for (const [key, input] of Object.entries(options.metadata)) {
    if (key === "") throw new GgufWriteError("metadata: a key must not be empty");
    if (input === undefined) throw new GgufWriteError(`metadata ${key}: value is undefined`);
    const value = toGgufValue(key, input);
    checkGgufValue(key, value);
    entries.push([key, value]);
  }
  const given = entries.find(([key]) => key === "general.alignment")?.[1];
  if (given != null && given.type !== "u32") throw new GgufWriteError("metadata general.alignment: must be a u32");
  const alignment = options.alignment ?? (given?.value as number | undefined) ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0)
    throw new GgufWriteError(`alignment ${alignment}: must be a power of two`);
  if (given != null && given.value !== alignment)
    throw new GgufWriteError(`metadata general.alignment (${given.value}) differs from the alignment option (${alignment})`);
  if (given == null && alignment !== GGUF_DEFAULT_ALIGNMENT) entries.push(["general.alignment", {type: "u32", value: alignment}]);
  return {entries, alignment};
}

function layoutTensors(tensors: readonly GgufTensorInput[], alignment: number): GgufTensorInfo[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((tensor) => {
    const {name, dims} = tensor;
    const type = tensor.type ?? "F32";
    if (typeof name !== "string" || name === "") throw new GgufWriteError("tensor: a name must be a non-empty string");
    if (Buffer.byteLength(name) > GGUF_MAX_TENSOR_NAME_BYTES)
      throw new GgufWriteError(`tensor ${name}: name longer than ${GGUF_MAX_TENSOR_NAME_BYTES} bytes`);
    if (names.has(name)) throw new GgufWriteError(`tensor ${name}: duplicate name`);
    names.add(name);
    if (!(type in GGML_TYPES)) throw new GgufWriteError(`tensor ${name}: unknown type ${String(type)}`);
    if (!Array.isArray(dims) || dims.length < 1 || dims.length > GGUF_MAX_DIMS || !dims.every((d) => Number.isInteger(d) && d > 0))
      throw new GgufWriteError(`tensor ${name}: dims must be 1 to ${GGUF_MAX_DIMS} positive integers, got [${String(dims)}]`);
    const nElements = dims.reduce((a, b) => a * b, 1);
    if (dims[0]! % GGML_TYPES[type].blockSize !== 0)
      throw new GgufWriteError(`tensor ${name}: first dim ${dims[0]} is not a multiple of ${type}'s block size`);
    const byteLength = tensorByteLength(type, nElements);
    const info: GgufTensorInfo = {name, dims: [...dims], type, offset, nElements, byteLength};
    offset = alignTo(offset + byteLength, alignment);
    return info;
  });
}

function header(entries: readonly [string, GgufValue][], infos: readonly GgufTensorInfo[], alignment: number): Buffer {
  const out = new ByteWriter();
  out.bytes(Buffer.from(GGUF_MAGIC, "latin1"));
  out.number("u32", GGUF_VERSION);
  out.u64(infos.length);
  out.u64(entries.length);
  for (const [key, value] of entries) {
    out.string(key);
    writeValue(out, value);
  }
  for (const info of infos) {
    out.string(info.name);
    out.number("u32", info.dims.length);
    for (const dim of info.dims) out.u64(dim);
    out.number("u32", GGML_TYPES[info.type].code);
    out.u64(info.offset);
  }
  // A file without tensors ends after its header, as llama.cpp's vocab-only files do.
  if (infos.length > 0) out.padTo(alignment);
  return out.result();
}

/** The tensor's bytes as slices (F16 conversion happens slice by slice). */
function* tensorBytes(info: GgufTensorInfo, data: GgufTensorData): Generator<Uint8Array> {
  const where = `tensor ${info.name}`;
  if (data instanceof Float32Array) {
    if (data.length !== info.nElements) throw new GgufWriteError(`${where}: has ${data.length} values, dims need ${info.nElements}`);
    if (info.type === "F32") {
      yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return;
    }
    if (info.type !== "F16") throw new GgufWriteError(`${where}: a Float32Array can be written as F32 or F16, not ${info.type}`);
    for (let start = 0; start < data.length; start += CONVERT_CHUNK) {
      const halves = float32ArrayToFloat16(data.subarray(start, start + CONVERT_CHUNK));
      yield new Uint8Array(halves.buffer, halves.byteOffset, halves.byteLength);
    }
    return;
  }
  if (data instanceof Uint16Array) {
    if (info.type !== "F16" && info.type !== "BF16")
      throw new GgufWriteError(`${where}: a Uint16Array holds F16/BF16 bits, but the tensor is ${info.type}`);
    if (data.length !== info.nElements) throw new GgufWriteError(`${where}: has ${data.length} values, dims need ${info.nElements}`);
    yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  if (data instanceof Uint8Array) {
    if (data.length !== info.byteLength) throw new GgufWriteError(`${where}: has ${data.length} bytes, ${info.type} dims need ${info.byteLength}`);
    yield data;
    return;
  }
  throw new GgufWriteError(`${where}: data must be a Float32Array, Uint16Array or Uint8Array`);
}

/**
 * Writes a GGUF v3 file under a temporary name and renames it into place, so a reader never sees half a model.
 * Bad input throws a GgufWriteError naming the key or tensor before anything is written.
 */
export async function writeGguf(path: string, options: WriteGgufOptions): Promise<WriteGgufResult> {
  const {entries, alignment} = resolveMetadata(options);
  const tensors = options.tensors ?? [];
  const infos = layoutTensors(tensors, alignment);
  const head = header(entries, infos, alignment);
  const tmp = temporaryPathFor(path);
  const handle = await open(tmp, "w");
  let bytes = 0;
  try {
    const write = async (chunk: Uint8Array): Promise<void> => {
      await handle.write(chunk, 0, chunk.length);
      bytes += chunk.length;
    };
    await write(head);
    for (let i = 0; i < infos.length; i++) {
      const input = tensors[i]!;
      const data = typeof input.data === "function" ? await input.data() : input.data;
      for (const chunk of tensorBytes(infos[i]!, data)) await write(chunk);
      const pad = alignTo(bytes, alignment) - bytes;
      if (pad > 0) await write(new Uint8Array(pad));
    }
    await handle.close();
    await rename(tmp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, {force: true});
    throw error;
  }
  return {path, bytes, tensors: infos};
}
