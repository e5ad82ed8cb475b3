import {mkdtemp, readFile, readdir, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {InputFileError, UsageError} from "../errors/index.js";
import {gpt2VocabGgufPath, neoxVocabGgufPath, tinyLlamaPath} from "../../test/support/shared.js";
import {
  GgufFormatError,
  GgufWriteError,
  ggufMetadataValue,
  ggufValue,
  readGguf,
  readGgufTensor,
  readGgufTensorBytes,
  writeGguf,
  type GgufMetadataInput
} from "./index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-gguf-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const metadata: Record<string, GgufMetadataInput> = {
  "general.architecture": "llama",
  "t.u8": ggufValue.u8(255),
  "t.i8": ggufValue.i8(-128),
  "t.u16": ggufValue.u16(65535),
  "t.i16": ggufValue.i16(-32768),
  "t.u32": ggufValue.u32(4294967295),
  "t.i32": ggufValue.i32(-2147483648),
  "t.f32": ggufValue.f32(Math.fround(1e-5)),
  "t.f64": ggufValue.f64(Math.PI),
  "t.u64": ggufValue.u64(2n ** 64n - 1n),
  "t.i64": ggufValue.i64(-(2n ** 63n)),
  "t.bool": true,
  "t.string": "\ufeffBOM, ünïcödé, 😀, and a NUL \0 inside",
  "t.empty": "",
  "t.inferred.u32": 4096,
  "t.inferred.i32": -1,
  "t.inferred.f32": 0.5,
  "t.strings": ["<s>", "", "▁the"],
  "t.i32s": ggufValue.array("i32", Int32Array.from([1, -2, 3])),
  "t.f32s": ggufValue.array("f32", Float32Array.from([0.25, -1.5])),
  "t.u64s": ggufValue.array("u64", [1n, 2n ** 40n]),
  "t.bools": [true, false],
  "t.empty_array": ggufValue.array("string", []),
  "t.nested": ggufValue.array("array", [
    {itemType: "string", items: ["a b", "c"]},
    {itemType: "array", items: [{itemType: "u8", items: [1, 2]}]}
  ])
};

const f32 = Float32Array.from({length: 3 * 5}, (_, i) => (i - 7) / 3);
const f16Values = Float32Array.from([0, 1, -2, 0.5, 65504, 2 ** -24]);

describe("writeGguf / readGguf", () => {
  it("round-trips every metadata type and F32/F16 tensors bit-exactly", async () => {
    const path = join(dir, "all.gguf");
    const written = await writeGguf(path, {
      metadata,
      alignment: 64,
      tensors: [
        {name: "a.weight", dims: [5, 3], type: "F32", data: f32},
        {name: "b.weight", dims: [6], type: "F16", data: () => f16Values},
        {name: "c.raw", dims: [2], type: "F16", data: Uint16Array.from([0x3c00, 0xc000])}
      ]
    });
    const file = await readGguf(path);
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(64);
    expect(file.fileSize).toBe(written.bytes);
    expect(file.dataOffset % 64).toBe(0);
    expect(file.metadata["general.alignment"]).toEqual({type: "u32", value: 64});
    expect(Object.keys(file.metadata)).toEqual([...Object.keys(metadata), "general.alignment"]);

    expect(file.metadata["t.u8"]).toEqual({type: "u8", value: 255});
    expect(file.metadata["t.i16"]).toEqual({type: "i16", value: -32768});
    expect(file.metadata["t.f32"]).toEqual({type: "f32", value: Math.fround(1e-5)});
    expect(file.metadata["t.f64"]).toEqual({type: "f64", value: Math.PI});
    expect(file.metadata["t.u64"]).toEqual({type: "u64", value: 2n ** 64n - 1n});
    expect(file.metadata["t.i64"]).toEqual({type: "i64", value: -(2n ** 63n)});
    expect(file.metadata["t.string"]).toEqual({type: "string", value: metadata["t.string"]});
    expect(file.metadata["t.inferred.u32"]!.type).toBe("u32");
    expect(file.metadata["t.inferred.i32"]!.type).toBe("i32");
    expect(file.metadata["t.inferred.f32"]!.type).toBe("f32");
    expect(ggufMetadataValue(file, "t.strings")).toEqual(["<s>", "", "▁the"]);
    expect(ggufMetadataValue(file, "t.i32s")).toEqual([1, -2, 3]);
    expect(file.metadata["t.i32s"]).toMatchObject({type: "array", value: {itemType: "i32"}});
    expect(ggufMetadataValue(file, "t.f32s")).toEqual([0.25, -1.5]);
    expect(ggufMetadataValue(file, "t.u64s")).toEqual([1n, 2n ** 40n]);
    expect(ggufMetadataValue(file, "t.bools")).toEqual([true, false]);
    expect(ggufMetadataValue(file, "t.empty_array")).toEqual([]);
    expect(ggufMetadataValue(file, "t.nested")).toEqual([["a b", "c"], [[1, 2]]]);
    expect(ggufMetadataValue(file, "missing")).toBeUndefined();

    expect(file.tensors.map((t) => [t.name, t.dims, t.type, t.offset % 64])).toEqual([
      ["a.weight", [5, 3], "F32", 0],
      ["b.weight", [6], "F16", 0],
      ["c.raw", [2], "F16", 0]
    ]);
    expect(Array.from(await readGgufTensor(file, "a.weight"))).toEqual(Array.from(f32));
    expect(Array.from(await readGgufTensor(file, "b.weight"))).toEqual(Array.from(f16Values));
    expect(Array.from(await readGgufTensor(file, "c.raw"))).toEqual([1, -2]);
    expect(Array.from(await readGgufTensorBytes(file, "c.raw"))).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    await expect(readGgufTensor(file, "nope")).rejects.toThrow("no tensor named nope");

    // Writing what was read gives the same bytes.
    const again = join(dir, "again.gguf");
    const tensors = await Promise.all(file.tensors.map(async (t) => ({...t, data: await readGgufTensorBytes(file, t.name)})));
    await writeGguf(again, {metadata: file.metadata, tensors});
    expect((await readFile(again)).equals(await readFile(path))).toBe(true);
  });

  it("lays the file out as GGUF v3: magic, version, counts, padding to the alignment", async () => {
    const path = join(dir, "layout.gguf");
    await writeGguf(path, {metadata: {"general.architecture": "llama"}, tensors: [{name: "x", dims: [3], data: Float32Array.from([1, 2, 3])}]});
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(bytes.readBigUInt64LE(8)).toBe(1n);
    expect(bytes.readBigUInt64LE(16)).toBe(1n);
    expect(bytes.length % 32).toBe(0);
    expect(bytes.readFloatLE(bytes.length - 32)).toBe(1);
    expect(bytes.readFloatLE(bytes.length - 24)).toBe(3);
    expect(bytes.subarray(bytes.length - 20).every((b) => b === 0)).toBe(true);
  });

  const sharedFiles = [
    ["shared vocab gpt-neox", neoxVocabGgufPath],
    ["shared vocab gpt-2", gpt2VocabGgufPath],
    ["shared tiny llama", tinyLlamaPath]
  ] as const;
  for (const [name, source] of sharedFiles) {
    it.skipIf(source == null)(`reads and rewrites ${name} byte for byte`, async () => {
      const file = await readGguf(source!);
      const tensors = await Promise.all(file.tensors.map(async (t) => ({...t, data: await readGgufTensorBytes(file, t.name)})));
      const copy = join(dir, "copy.gguf");
      await writeGguf(copy, {metadata: file.metadata, tensors});
      expect((await readFile(copy)).equals(await readFile(source!))).toBe(true);
    });
  }

  it.skipIf(tinyLlamaPath == null)("reads the tiny llama fixture's metadata and F16/F32 tensors", async () => {
    const file = await readGguf(tinyLlamaPath!);
    expect(ggufMetadataValue(file, "general.architecture")).toBe("llama");
    expect(file.metadata["llama.context_length"]).toEqual({type: "u32", value: 4096});
    expect((ggufMetadataValue(file, "tokenizer.ggml.tokens") as string[]).length).toBe(32000);
    expect(file.tensors).toHaveLength(12);
    expect(Array.from(await readGgufTensor(file, "output_norm.weight"))).toEqual(Array(8).fill(1));
    const embeddings = await readGgufTensor(file, "token_embd.weight");
    expect(embeddings.length).toBe(8 * 32000);
    expect(embeddings.every(Number.isFinite)).toBe(true);
  });
});

describe("readGguf on bad files", () => {
  async function validFile(): Promise<Buffer> {
    const path = join(dir, "valid.gguf");
    await writeGguf(path, {
      metadata: {"general.architecture": "llama", "t.strings": ["a", "b"]},
      tensors: [{name: "w", dims: [16], data: new Float32Array(16)}]
    });
    return readFile(path);
  }

  async function errorFor(bytes: Uint8Array): Promise<unknown> {
    const path = join(dir, "bad.gguf");
    await writeFile(path, bytes);
    return readGguf(path).then(
      () => undefined,
      (error: unknown) => error
    );
  }

  it("names the file for a missing file or a directory (exit code 2)", async () => {
    const missing = await readGguf(join(dir, "nope.gguf")).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputFileError);
    expect((missing as InputFileError).exitCode).toBe(2);
    expect(String((missing as Error).message)).toBe(`${join(dir, "nope.gguf")}: file not found`);
    await expect(readGguf(dir)).rejects.toThrow("is a directory");
  });

  it("rejects a wrong magic, an unsupported version and a big-endian file", async () => {
    const good = await validFile();
    const badMagic = Buffer.from(good);
    badMagic.write("GGML", 0, "latin1");
    expect(String(await errorFor(badMagic))).toContain('bad magic "GGML"');
    const v1 = Buffer.from(good);
    v1.writeUInt32LE(1, 4);
    expect(String(await errorFor(v1))).toContain("unsupported GGUF version 1");
    const bigEndian = Buffer.from(good);
    bigEndian.writeUInt32BE(3, 4);
    expect(String(await errorFor(bigEndian))).toContain("big-endian");
    expect(await errorFor(Buffer.from("not a model at all"))).toBeInstanceOf(GgufFormatError);
  });

  it("reports truncation at every cut point, naming the path", async () => {
    const good = await validFile();
    for (let cut = 0; cut < good.length; cut += 7) {
      const error = await errorFor(good.subarray(0, cut));
      expect(error, `cut at ${cut}`).toBeInstanceOf(GgufFormatError);
      expect((error as Error).message).toContain(join(dir, "bad.gguf"));
    }
    expect(String(await errorFor(good.subarray(0, good.length - 1)))).toContain("truncated: tensor w ends at byte");
  });

  it("rejects an unknown value type, an unknown tensor type and absurd counts", async () => {
    const good = await validFile();
    const typeAt = 24 + 8 + "general.architecture".length;
    const badType = Buffer.from(good);
    badType.writeUInt32LE(99, typeAt);
    expect(String(await errorFor(badType))).toContain("metadata general.architecture has unknown value type 99");

    // Tensor info: u64 name length, "w", u32 n_dims, u64 dim, u32 type, u64 offset.
    const badTensor = Buffer.from(good);
    const nameAt = badTensor.indexOf(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, "w".charCodeAt(0)]));
    badTensor.writeUInt32LE(77, nameAt + 9 + 4 + 8);
    expect(String(await errorFor(badTensor))).toContain("tensor w has unknown ggml type 77");

    const hugeCount = Buffer.from(good);
    hugeCount.writeBigUInt64LE(10n ** 12n, 16);
    expect(String(await errorFor(hugeCount))).toContain("run past the end of the file");
  });
});

describe("writeGguf on bad input", () => {
  const cases: [string, Parameters<typeof writeGguf>[1], string][] = [
    ["u32 out of range", {metadata: {"k": ggufValue.u32(-1)}}, "metadata k: -1 is not a valid u32"],
    ["non-integer u8", {metadata: {"k": ggufValue.u8(1.5)}}, "metadata k: 1.5 is not a valid u8"],
    ["mixed array", {metadata: {"k": ["a", 1] as unknown as string[]}}, "metadata k: an array must hold items of one type"],
    ["bad array item", {metadata: {"k": ggufValue.array("string", ["a", 2 as unknown as string])}}, "metadata k[1]: expected a string"],
    ["duplicate tensor", {metadata: {}, tensors: [{name: "t", dims: [1], data: new Float32Array(1)}, {name: "t", dims: [1], data: new Float32Array(1)}]}, "tensor t: duplicate name"],
    ["wrong length", {metadata: {}, tensors: [{name: "t", dims: [2, 2], data: new Float32Array(3)}]}, "tensor t: has 3 values, dims need 4"],
    ["bad dims", {metadata: {}, tensors: [{name: "t", dims: [0], data: new Float32Array(0)}]}, "tensor t: dims must be 1 to 4 positive integers"],
    ["long name", {metadata: {}, tensors: [{name: "x".repeat(64), dims: [1], data: new Float32Array(1)}]}, "name longer than 63 bytes"],
    ["float data for Q8_0", {metadata: {}, tensors: [{name: "t", dims: [32], type: "Q8_0", data: new Float32Array(32)}]}, "can be written as F32 or F16, not Q8_0"],
    ["alignment", {metadata: {}, alignment: 48}, "alignment 48: must be a power of two"]
  ];

  it.each(cases)("rejects %s with a GgufWriteError naming the field, and writes nothing", async (_, options, message) => {
    const path = join(dir, "never.gguf");
    const error = await writeGguf(path, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GgufWriteError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect((await readdir(dir)).filter((name) => name.includes("never"))).toEqual([]);
  });

  it("leaves neither the target nor a temp file when producing a tensor fails midway", async () => {
    const path = join(dir, "half.gguf");
    const failing = writeGguf(path, {
      metadata: {},
      tensors: [
        {name: "a", dims: [4], data: new Float32Array(4)},
        {name: "b", dims: [4], data: () => { throw new Error("out of memory"); }}
      ]
    });
    await expect(failing).rejects.toThrow("out of memory");
    expect((await readdir(dir)).filter((name) => name.includes("half"))).toEqual([]);
  });
});
