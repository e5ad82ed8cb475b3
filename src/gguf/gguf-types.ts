/**
 * The GGUF format's type tables (llama.cpp `gguf.h` / `ggml.h`) and the typed values this stage reads and writes.
 * Every metadata value keeps its on-disk type so a file read and written again is byte-identical, and so callers
 * can write the exact types llama.cpp checks (it rejects a `u32` key stored as `f32`).
 */

export type GgufScalarType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "string" | "u64" | "i64" | "f64";
export type GgufNumberType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";
export type GgufValueType = GgufScalarType | "array";

/** On-disk type codes, in GGUF's numbering. */
export const GGUF_VALUE_TYPE_CODES: Readonly<Record<GgufValueType, number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12
};

export const GGUF_VALUE_TYPES_BY_CODE: readonly GgufValueType[] = (() => {
  const out: GgufValueType[] = [];
  for (const [name, code] of Object.entries(GGUF_VALUE_TYPE_CODES)) out[code] = name as GgufValueType;
  return out;
})();

/** Byte width and integer range of the fixed-size numeric types. */
export const GGUF_NUMBER_LAYOUT: Readonly<Record<GgufNumberType, {bytes: number; min: number; max: number; integer: boolean}>> = {
  u8: {bytes: 1, min: 0, max: 0xff, integer: true},
  i8: {bytes: 1, min: -0x80, max: 0x7f, integer: true},
  u16: {bytes: 2, min: 0, max: 0xffff, integer: true},
  i16: {bytes: 2, min: -0x8000, max: 0x7fff, integer: true},
  u32: {bytes: 4, min: 0, max: 0xffffffff, integer: true},
  i32: {bytes: 4, min: -0x80000000, max: 0x7fffffff, integer: true},
  f32: {bytes: 4, min: -Infinity, max: Infinity, integer: false},
  f64: {bytes: 8, min: -Infinity, max: Infinity, integer: false}
};

/** An array's items; numeric items come back from `readGguf` as typed arrays (scores and token types are large). */
export type GgufArray =
  | {readonly itemType: GgufNumberType; readonly items: ArrayLike<number>}
  | {readonly itemType: "u64" | "i64"; readonly items: readonly bigint[]}
  | {readonly itemType: "bool"; readonly items: readonly boolean[]}
  | {readonly itemType: "string"; readonly items: readonly string[]}
  | {readonly itemType: "array"; readonly items: readonly GgufArray[]};

export type GgufValue =
  | {readonly type: GgufNumberType; readonly value: number}
  | {readonly type: "u64" | "i64"; readonly value: bigint}
  | {readonly type: "bool"; readonly value: boolean}
  | {readonly type: "string"; readonly value: string}
  | {readonly type: "array"; readonly value: GgufArray};

/** Metadata as read: key -> typed value, in file order. */
export type GgufMetadata = Readonly<Record<string, GgufValue>>;

/**
 * What `writeGguf` accepts per key: a typed value, or a plain value whose type is inferred (string, boolean,
 * bigint -> i64, a non-negative integer -> u32, a negative integer -> i32, any other number -> f32, and arrays
 * of one of those). Give a typed value wherever llama.cpp expects another type.
 */
export type GgufMetadataInput =
  | GgufValue
  | string
  | boolean
  | number
  | bigint
  | readonly string[]
  | readonly number[]
  | readonly boolean[]
  | readonly bigint[];

export type GgmlTypeName =
  | "F32" | "F16" | "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q8_1" | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K"
  | "Q8_K" | "IQ2_XXS" | "IQ2_XS" | "IQ3_XXS" | "IQ1_S" | "IQ4_NL" | "IQ3_S" | "IQ2_S" | "IQ4_XS" | "I8" | "I16"
  | "I32" | "I64" | "F64" | "IQ1_M" | "BF16" | "TQ1_0" | "TQ2_0" | "MXFP4" | "NVFP4" | "Q1_0" | "Q2_0";

/** ggml tensor types: code, elements per block, bytes per block (checked against llama.cpp's own table). */
export const GGML_TYPES: Readonly<Record<GgmlTypeName, {code: number; blockSize: number; typeSize: number}>> = {
  F32: {code: 0, blockSize: 1, typeSize: 4},
  F16: {code: 1, blockSize: 1, typeSize: 2},
  Q4_0: {code: 2, blockSize: 32, typeSize: 18},
  Q4_1: {code: 3, blockSize: 32, typeSize: 20},
  Q5_0: {code: 6, blockSize: 32, typeSize: 22},
  Q5_1: {code: 7, blockSize: 32, typeSize: 24},
  Q8_0: {code: 8, blockSize: 32, typeSize: 34},
  Q8_1: {code: 9, blockSize: 32, typeSize: 36},
  Q2_K: {code: 10, blockSize: 256, typeSize: 84},
  Q3_K: {code: 11, blockSize: 256, typeSize: 110},
  Q4_K: {code: 12, blockSize: 256, typeSize: 144},
  Q5_K: {code: 13, blockSize: 256, typeSize: 176},
  Q6_K: {code: 14, blockSize: 256, typeSize: 210},
  Q8_K: {code: 15, blockSize: 256, typeSize: 292},
  IQ2_XXS: {code: 16, blockSize: 256, typeSize: 66},
  IQ2_XS: {code: 17, blockSize: 256, typeSize: 74},
  IQ3_XXS: {code: 18, blockSize: 256, typeSize: 98},
  IQ1_S: {code: 19, blockSize: 256, typeSize: 50},
  IQ4_NL: {code: 20, blockSize: 32, typeSize: 18},
  IQ3_S: {code: 21, blockSize: 256, typeSize: 110},
  IQ2_S: {code: 22, blockSize: 256, typeSize: 82},
  IQ4_XS: {code: 23, blockSize: 256, typeSize: 136},
  I8: {code: 24, blockSize: 1, typeSize: 1},
  I16: {code: 25, blockSize: 1, typeSize: 2},
  I32: {code: 26, blockSize: 1, typeSize: 4},
  I64: {code: 27, blockSize: 1, typeSize: 8},
  F64: {code: 28, blockSize: 1, typeSize: 8},
  IQ1_M: {code: 29, blockSize: 256, typeSize: 56},
  BF16: {code: 30, blockSize: 1, typeSize: 2},
  TQ1_0: {code: 34, blockSize: 256, typeSize: 54},
  TQ2_0: {code: 35, blockSize: 256, typeSize: 66},
  MXFP4: {code: 39, blockSize: 32, typeSize: 17},
  NVFP4: {code: 40, blockSize: 64, typeSize: 36},
  Q1_0: {code: 41, blockSize: 128, typeSize: 18},
  Q2_0: {code: 42, blockSize: 64, typeSize: 18}
};

export const GGML_TYPES_BY_CODE: ReadonlyMap<number, GgmlTypeName> = new Map(
  Object.entries(GGML_TYPES).map(([name, info]) => [info.code, name as GgmlTypeName])
);

/** One tensor's header entry. `dims` are in GGUF order: the fastest-varying dimension (llama.cpp's ne[0]) first. */
export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: GgmlTypeName;
  /** Offset from the start of the data section. */
  readonly offset: number;
  readonly nElements: number;
  readonly byteLength: number;
}

export const GGUF_MAGIC = "GGUF";
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp's GGML_MAX_NAME (64) includes the terminating NUL. */
export const GGUF_MAX_TENSOR_NAME_BYTES = 63;
export const GGUF_MAX_DIMS = 4;

export function tensorByteLength(type: GgmlTypeName, nElements: number): number {
  const {blockSize, typeSize} = GGML_TYPES[type];
  return Math.ceil(nElements / blockSize) * typeSize;
}

export function alignTo(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
