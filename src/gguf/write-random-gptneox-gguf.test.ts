import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  GgufWriteError,
  ggufMetadataValue,
  gptneoxQkvFromHf,
  gptneoxQkvToHf,
  gptneoxTensorShapes,
  readGguf,
  readGgufTensor,
  writeRandomGptNeoxGguf
} from "./index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-random-gptneox-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const small = {nEmbd: 32, nLayer: 2, nHead: 4, nFf: 64, contextLength: 128} as const;

describe("writeRandomGptNeoxGguf", () => {
  it("writes gptneox metadata with llama.cpp's types and names, biases and an untied head", async () => {
    const path = join(dir, "neox.gguf");
    const result = await writeRandomGptNeoxGguf({path, ...small, seed: 2, vocabulary: {synthetic: 500}});
    const file = await readGguf(path);
    expect(ggufMetadataValue(file, "general.architecture")).toBe("gptneox");
    for (const key of ["context_length", "embedding_length", "block_count", "feed_forward_length", "rope.dimension_count", "attention.head_count"])
      expect(file.metadata[`gptneox.${key}`]?.type, key).toBe("u32");
    expect(file.metadata["gptneox.attention.layer_norm_epsilon"]).toMatchObject({type: "f32"});
    expect(file.metadata["gptneox.use_parallel_residual"]).toEqual({type: "bool", value: true});
    // Pythia's rotary_pct 0.25 of the head size 8.
    expect(ggufMetadataValue(file, "gptneox.rope.dimension_count")).toBe(2);
    expect(file.metadata["gptneox.rope.freq_base"]).toBeUndefined();
    expect(file.tensors.map((t) => t.name)).toEqual(gptneoxTensorShapes({...small, nVocab: 500}).map((s) => s.name));
    // token_embd + 12 per layer + output_norm weight and bias + output
    expect(file.tensors).toHaveLength(1 + 12 * 2 + 3);
    expect(file.tensors.find((t) => t.name === "blk.0.attn_qkv.weight")).toMatchObject({dims: [32, 96], type: "F16"});
    expect(file.tensors.find((t) => t.name === "blk.1.attn_qkv.bias")).toMatchObject({dims: [96], type: "F32"});
    expect(file.tensors.find((t) => t.name === "blk.0.ffn_up.bias")).toMatchObject({dims: [64]});
    expect(file.tensors.find((t) => t.name === "output.weight")).toMatchObject({dims: [32, 500]});
    expect(result.parameters).toBe(file.tensors.reduce((n, t) => n + t.nElements, 0));
    const gain = await readGgufTensor(file, "blk.0.attn_norm.weight");
    expect(Math.abs(gain.reduce((a, b) => a + b, 0) / gain.length - 1)).toBeLessThan(0.02);
  });

  it("refuses an odd or too large rotary size and writes a non-default RoPE base", async () => {
    await expect(writeRandomGptNeoxGguf({path: join(dir, "bad.gguf"), ...small, nRot: 3})).rejects.toThrow(GgufWriteError);
    await expect(writeRandomGptNeoxGguf({path: join(dir, "bad.gguf"), ...small, nRot: 10})).rejects.toThrow("head size 8");
    const path = join(dir, "base.gguf");
    await writeRandomGptNeoxGguf({path, ...small, nRot: 8, ropeFreqBase: 5000, useParallelResidual: false, type: "F32"});
    const file = await readGguf(path);
    expect(ggufMetadataValue(file, "gptneox.rope.freq_base")).toBe(5000);
    expect(ggufMetadataValue(file, "gptneox.use_parallel_residual")).toBe(false);
  });
});

describe("gptneoxQkvFromHf", () => {
  it("moves HF's per-head [q, k, v] rows into GGUF's [q; k; v] blocks, and back", () => {
    // 2 heads of size 2, rows of length 1: HF order is h0q0 h0q1 h0k0 h0k1 h0v0 h0v1 h1q0 ...
    const hf = Float32Array.from({length: 12}, (_, i) => i);
    const gguf = gptneoxQkvFromHf({data: hf, nHead: 2, headDim: 2, rowLength: 1});
    expect(Array.from(gguf)).toEqual([0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
    expect(Array.from(gptneoxQkvToHf({data: gguf, nHead: 2, headDim: 2, rowLength: 1}))).toEqual(Array.from(hf));
    const wide = Float32Array.from({length: 36}, (_, i) => i);
    expect(gptneoxQkvFromHf({data: wide, nHead: 2, headDim: 2, rowLength: 3}).subarray(6, 9)).toEqual(Float32Array.from([18, 19, 20]));
    expect(() => gptneoxQkvFromHf({data: hf, nHead: 2, headDim: 3, rowLength: 1})).toThrow("expected 18 values");
  });
});
