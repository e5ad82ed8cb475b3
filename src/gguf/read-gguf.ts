import {open, type FileHandle} from "node:fs/promises";
import {InputFileError, NotSupportedError} from "../errors/index.js";
import {ByteReader, MalformedGguf, OutOfBytes} from "./byte-reader.js";
import {float16ArrayToFloat32} from "./float16.js";
import {GgufFormatError} from "./gguf-errors.js";
import {
  GGML_TYPES_BY_CODE,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_DIMS,
  GGUF_VALUE_TYPES_BY_CODE,
  alignTo,
  tensorByteLength,
  type GgufArray,
  type GgufMetadata,
  type GgufNumberType,
  type GgufTensorInfo,
  type GgufValue,
  type GgufValueType
} from "./gguf-types.js";
import {toPlainValue, type GgufPlainValue} from "./gguf-value.js";

export interface GgufFile {
  readonly path: string;
  readonly version: number;
  readonly fileSize: number;
  readonly alignment: number;
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute byte offset of the tensor data section. */
  readonly dataOffset: number;
}

const FIRST_READ_BYTES = 1 << 20;
const SUPPORTED_VERSIONS = new Set([2, 3]);

function valueType(reader: ByteReader, what: string): GgufValueType {
  const at = reader.position;
  const code = reader.number("u32");
  const type = GGUF_VALUE_TYPES_BY_CODE[code];
  if (type == null) throw new MalformedGguf(`${what} has unknown value type ${code}`, at);
  return type;
}

function readArray(reader: ByteReader, what: string): GgufArray {
  const itemType = valueType(reader, what);
  const count = reader.size(`${what} array length`);
  switch (itemType) {
    case "string": {
      reader.checkCount(count, 8, what);
      const items: string[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = reader.string(what);
      return {itemType, items};
    }
    case "bool": {
      reader.checkCount(count, 1, what);
      const items: boolean[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = reader.bool();
      return {itemType, items};
    }
    case "u64":
    case "i64": {
      reader.checkCount(count, 8, what);
      const items: bigint[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = itemType === "u64" ? reader.u64() : reader.i64();
      return {itemType, items};
    }
    case "array": {
      reader.checkCount(count, 12, what);
      const items: GgufArray[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = readArray(reader, `${what}[${i}]`);
      return {itemType, items};
    }
    default:
      return {itemType, items: reader.numbers(itemType, count, what)};
  }
}

function readValue(reader: ByteReader, what: string): GgufValue {
  const type = valueType(reader, what);
  switch (type) {
    case "string":
      return {type, value: reader.string(what)};
    case "bool":
      return {type, value: reader.bool()};
    case "u64":
      return {type, value: reader.u64()};
    case "i64":
      return {type, value: reader.i64()};
    case "array":
      return {type, value: readArray(reader, what)};
    default:
      return {type, value: reader.number(type as GgufNumberType)};
  }
}

function parseHeader(reader: ByteReader): Omit<GgufFile, "path" | "fileSize"> {
  const magic = String.fromCharCode(...Array.from({length: 4}, () => reader.number("u8")));
  if (magic !== GGUF_MAGIC) throw new MalformedGguf(`bad magic ${JSON.stringify(magic)} (expected "GGUF")`, 0);
  const version = reader.number("u32");
  if (!SUPPORTED_VERSIONS.has(version)) {
    const swapped = Buffer.alloc(4);
    swapped.writeUInt32BE(version);
    const reason = SUPPORTED_VERSIONS.has(swapped.readUInt32LE()) ? "big-endian GGUF files are not supported" : `unsupported GGUF version ${version} (2 and 3 are supported)`;
    throw new MalformedGguf(reason, 4);
  }
  const tensorCount = reader.size("tensor count");
  const metadataCount = reader.size("metadata count");
  reader.checkCount(tensorCount, 24, "the tensor list");
  reader.checkCount(metadataCount, 12, "the metadata");

  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < metadataCount; i++) {
    const key = reader.string(`metadata key #${i}`);
    if (Object.hasOwn(metadata, key)) throw new MalformedGguf(`duplicate metadata key ${key}`, reader.position);
    metadata[key] = readValue(reader, `metadata ${key}`);
  }
  const alignmentValue = metadata["general.alignment"];
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentValue != null) {
    if (alignmentValue.type !== "u32" || alignmentValue.value < 1 || (alignmentValue.value & (alignmentValue.value - 1)) !== 0)
      throw new MalformedGguf("general.alignment is not a power-of-two u32", reader.position);
    alignment = alignmentValue.value;
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const at = reader.position;
    const name = reader.string(`tensor #${i} name`);
    const nDims = reader.number("u32");
    if (nDims < 1 || nDims > GGUF_MAX_DIMS) throw new MalformedGguf(`tensor ${name} has ${nDims} dims`, at);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(reader.size(`tensor ${name} dim`));
    const typeAt = reader.position;
    const typeCode = reader.number("u32");
    const type = GGML_TYPES_BY_CODE.get(typeCode);
    if (type == null) throw new MalformedGguf(`tensor ${name} has unknown ggml type ${typeCode}`, typeAt);
    const offset = reader.size(`tensor ${name} offset`);
    if (offset % alignment !== 0) throw new MalformedGguf(`tensor ${name} offset ${offset} is not aligned to ${alignment}`, at);
    const nElements = dims.reduce((a, b) => a * b, 1);
    tensors.push({name, dims, type, offset, nElements, byteLength: tensorByteLength(type, nElements)});
  }
  return {version, alignment, metadata, tensors, dataOffset: alignTo(reader.position, alignment)};
}

async function openForReading(path: string): Promise<{handle: FileHandle; size: number}> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error("directory"), {code: "EISDIR"});
    return {handle, size: stats.size};
  } catch (error) {
    await handle?.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, not a GGUF file" : `cannot open (${code ?? String(error)})`;
    throw new InputFileError(path, reason, {cause: error});
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const {bytesRead} = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/**
 * Reads a GGUF file's header: version, typed metadata and tensor infos (tensor data stays on disk; see
 * `readGgufTensor`). A truncated or corrupt file gives a GgufFormatError naming the path and the byte offset.
 */
export async function readGguf(path: string): Promise<GgufFile> {
  const {handle, size: fileSize} = await openForReading(path);
  try {
    let loaded = Math.min(FIRST_READ_BYTES, fileSize);
    for (;;) {
      const reader = new ByteReader(await readAt(handle, 0, loaded), fileSize);
      try {
        const header = parseHeader(reader);
        const end = header.tensors.reduce((max, t) => Math.max(max, header.dataOffset + t.offset + t.byteLength), header.dataOffset);
        const last = header.tensors.find((t) => header.dataOffset + t.offset + t.byteLength === end);
        if (header.tensors.length > 0 && end > fileSize)
          throw new GgufFormatError(path, `truncated: tensor ${last?.name} ends at byte ${end} but the file has ${fileSize} bytes`);
        return {path, fileSize, ...header};
      } catch (error) {
        if (error instanceof OutOfBytes && loaded < fileSize) {
          loaded = Math.min(fileSize, Math.max(loaded * 2, error.needed));
          continue;
        }
        if (error instanceof OutOfBytes) throw new GgufFormatError(path, `truncated: the header needs byte ${error.needed} but the file has ${fileSize} bytes`);
        if (error instanceof MalformedGguf) throw new GgufFormatError(path, error.message, error.byteOffset);
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
}

function findTensor(file: GgufFile, name: string): GgufTensorInfo {
  const info = file.tensors.find((t) => t.name === name);
  if (info == null) throw new InputFileError(file.path, `no tensor named ${name}`);
  return info;
}

/** A tensor's raw bytes, exactly as stored (any ggml type). */
export async function readGgufTensorBytes(file: GgufFile, name: string): Promise<Uint8Array> {
  const info = findTensor(file, name);
  const {handle} = await openForReading(file.path);
  try {
    const bytes = await readAt(handle, file.dataOffset + info.offset, info.byteLength);
    if (bytes.length !== info.byteLength) throw new GgufFormatError(file.path, `truncated: tensor ${name} is cut short`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    await handle.close();
  }
}

/** A F32 or F16 tensor's values as a Float32Array, in GGUF order (dims[0] fastest). */
export async function readGgufTensor(file: GgufFile, name: string): Promise<Float32Array> {
  const info = findTensor(file, name);
  if (info.type !== "F32" && info.type !== "F16")
    throw new NotSupportedError(`${file.path}: tensor ${name} is ${info.type}; only F32 and F16 tensors can be read as numbers`);
  const bytes = await readGgufTensorBytes(file, name);
  // Copy into fresh, aligned storage: Buffer pool slices may start at an odd offset.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  if (info.type === "F32") return new Float32Array(aligned.buffer, 0, info.nElements);
  return float16ArrayToFloat32(new Uint16Array(aligned.buffer, 0, info.nElements));
}

/** A metadata value without its type tag, or undefined when the key is absent. */
export function ggufMetadataValue(file: Pick<GgufFile, "metadata">, key: string): GgufPlainValue | undefined {
  const value = file.metadata[key];
  return value == null ? undefined : toPlainValue(value);
}
