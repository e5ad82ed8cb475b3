import {GgufWriteError} from "./gguf-errors.js";
import {GGUF_NUMBER_LAYOUT, type GgufArray, type GgufMetadataInput, type GgufNumberType, type GgufValue} from "./gguf-types.js";

/** Typed value constructors: `ggufValue.u32(4096)`, `ggufValue.array("i32", tokenTypes)`. */
export const ggufValue = {
  u8: (value: number): GgufValue => ({type: "u8", value}),
  i8: (value: number): GgufValue => ({type: "i8", value}),
  u16: (value: number): GgufValue => ({type: "u16", value}),
  i16: (value: number): GgufValue => ({type: "i16", value}),
  u32: (value: number): GgufValue => ({type: "u32", value}),
  i32: (value: number): GgufValue => ({type: "i32", value}),
  f32: (value: number): GgufValue => ({type: "f32", value}),
  f64: (value: number): GgufValue => ({type: "f64", value}),
  u64: (value: bigint | number): GgufValue => ({type: "u64", value: BigInt(value)}),
  i64: (value: bigint | number): GgufValue => ({type: "i64", value: BigInt(value)}),
  bool: (value: boolean): GgufValue => ({type: "bool", value}),
  string: (value: string): GgufValue => ({type: "string", value}),
  array: (itemType: GgufArray["itemType"], items: GgufArray["items"]): GgufValue =>
    ({type: "array", value: {itemType, items} as GgufArray})
};

function isTypedValue(input: unknown): input is GgufValue {
  return input != null && typeof input === "object" && !Array.isArray(input) && "type" in input && "value" in input;
}

function inferNumberType(values: readonly number[]): GgufNumberType {
  if (values.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) return "u32";
  if (values.every((v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff)) return "i32";
  return "f32";
}

function inferArray(key: string, items: readonly unknown[]): GgufArray {
  if (items.every((v) => typeof v === "string")) return {itemType: "string", items: items as string[]};
  if (items.every((v) => typeof v === "boolean")) return {itemType: "bool", items: items as boolean[]};
  if (items.every((v) => typeof v === "bigint")) return {itemType: "i64", items: items as bigint[]};
  if (items.every((v) => typeof v === "number")) return {itemType: inferNumberType(items as number[]), items: items as number[]};
  throw new GgufWriteError(`metadata ${key}: an array must hold items of one type (string, boolean, number or bigint)`);
}

/** The typed value written for one metadata input (see GgufMetadataInput for the inference rules). */
export function toGgufValue(key: string, input: GgufMetadataInput): GgufValue {
  if (isTypedValue(input)) return input;
  if (typeof input === "string") return {type: "string", value: input};
  if (typeof input === "boolean") return {type: "bool", value: input};
  if (typeof input === "bigint") return {type: "i64", value: input};
  if (typeof input === "number") return {type: inferNumberType([input]), value: input};
  if (Array.isArray(input)) return {type: "array", value: inferArray(key, input)};
  throw new GgufWriteError(`metadata ${key}: cannot store a value of type ${typeof input}`);
}

function checkNumber(where: string, type: GgufNumberType, value: number): void {
  const layout = GGUF_NUMBER_LAYOUT[type];
  if (typeof value !== "number") throw new GgufWriteError(`${where}: expected a number for ${type}, got ${typeof value}`);
  if (layout.integer && (!Number.isInteger(value) || value < layout.min || value > layout.max))
    throw new GgufWriteError(`${where}: ${value} is not a valid ${type}`);
}

const BIGINT_RANGE = {u64: [0n, 2n ** 64n - 1n], i64: [-(2n ** 63n), 2n ** 63n - 1n]} as const;

function checkBigint(where: string, type: "u64" | "i64", value: bigint): void {
  const [min, max] = BIGINT_RANGE[type];
  if (typeof value !== "bigint" || value < min || value > max) throw new GgufWriteError(`${where}: ${String(value)} is not a valid ${type}`);
}

function checkArray(where: string, array: GgufArray): void {
  const {itemType, items} = array;
  if (items == null || typeof items.length !== "number") throw new GgufWriteError(`${where}: array items missing`);
  if (itemType === "string") {
    for (let i = 0; i < items.length; i++)
      if (typeof items[i] !== "string") throw new GgufWriteError(`${where}[${i}]: expected a string`);
  } else if (itemType === "bool") {
    for (let i = 0; i < items.length; i++)
      if (typeof items[i] !== "boolean") throw new GgufWriteError(`${where}[${i}]: expected a boolean`);
  } else if (itemType === "u64" || itemType === "i64") {
    for (let i = 0; i < items.length; i++) checkBigint(`${where}[${i}]`, itemType, (items as readonly bigint[])[i]!);
  } else if (itemType === "array") {
    for (let i = 0; i < items.length; i++) checkArray(`${where}[${i}]`, (items as readonly GgufArray[])[i]!);
  } else if (itemType in GGUF_NUMBER_LAYOUT) {
    const numbers = items as ArrayLike<number>;
    for (let i = 0; i < numbers.length; i++) checkNumber(`${where}[${i}]`, itemType, numbers[i]!);
  } else {
    throw new GgufWriteError(`${where}: unknown array item type '${String(itemType)}'`);
  }
}

/** Throws a GgufWriteError naming the key when a value does not fit its declared type. */
export function checkGgufValue(key: string, value: GgufValue): void {
  const where = `metadata ${key}`;
  switch (value.type) {
    case "string":
      if (typeof value.value !== "string") throw new GgufWriteError(`${where}: expected a string`);
      return;
    case "bool":
      if (typeof value.value !== "boolean") throw new GgufWriteError(`${where}: expected a boolean`);
      return;
    case "u64":
    case "i64":
      checkBigint(where, value.type, value.value);
      return;
    case "array":
      checkArray(where, value.value);
      return;
    default:
      if (!(value.type in GGUF_NUMBER_LAYOUT)) throw new GgufWriteError(`${where}: unknown type '${String(value.type)}'`);
      checkNumber(where, value.type, value.value);
  }
}

/** A metadata value without its type tag: numbers, bigints, strings, booleans, or (nested) arrays of them. */
export type GgufPlainValue = string | number | bigint | boolean | GgufPlainValue[];

function plainArray(array: GgufArray): GgufPlainValue[] {
  if (array.itemType === "array") return array.items.map(plainArray);
  return Array.from(array.items as ArrayLike<GgufPlainValue>);
}

export function toPlainValue(value: GgufValue): GgufPlainValue {
  return value.type === "array" ? plainArray(value.value) : value.value;
}
