import {mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxTokenizerPath, neoxVocabGgufPath} from "../../test/support/shared.js";
import {GgufWriteError, ggufMetadataValue, llamaTensorShapes, readGguf, readGgufTensor, writeRandomLlamaGguf} from "./index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-random-llama-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const small = {nEmbd: 16, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 32, contextLength: 256} as const;

describe("writeRandomLlamaGguf", () => {
  it("writes llama metadata with the types llama.cpp checks and every tensor of the architecture", async () => {
    const path = join(dir, "syn.gguf");
    const result = await writeRandomLlamaGguf({path, ...small, seed: 3, vocabulary: {synthetic: 600}});
    const file = await readGguf(path);
    expect(result.nVocab).toBe(600);
    for (const key of ["llama.context_length", "llama.embedding_length", "llama.block_count", "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.dimension_count", "general.file_type"])
      expect(file.metadata[key]?.type, key).toBe("u32");
    expect(file.metadata["llama.attention.layer_norm_rms_epsilon"]?.type).toBe("f32");
    expect(ggufMetadataValue(file, "llama.attention.head_count_kv")).toBe(2);
    expect(ggufMetadataValue(file, "tokenizer.ggml.model")).toBe("llama");
    expect((ggufMetadataValue(file, "tokenizer.ggml.tokens") as string[]).slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(file.metadata["tokenizer.ggml.token_type"]).toMatchObject({value: {itemType: "i32"}});
    // token_embd + 9 per layer + output_norm + output
    expect(file.tensors.map((t) => t.name)).toEqual(llamaTensorShapes({...small, nVocab: 600}).map((s) => s.name));
    expect(file.tensors).toHaveLength(1 + 9 * 2 + 2);
    expect(file.tensors.find((t) => t.name === "blk.1.attn_k.weight")).toMatchObject({dims: [16, 8], type: "F16"});
    expect(file.tensors.find((t) => t.name === "blk.0.ffn_down.weight")).toMatchObject({dims: [32, 16]});
    expect(file.tensors.find((t) => t.name === "output_norm.weight")).toMatchObject({type: "F32"});
    expect(result.parameters).toBe(file.tensors.reduce((n, t) => n + t.nElements, 0));
    expect(Array.from(await readGgufTensor(file, "blk.0.attn_norm.weight"))).toEqual(Array(16).fill(1));
    const weights = await readGgufTensor(file, "blk.0.attn_q.weight");
    const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
    const std = Math.sqrt(weights.reduce((a, b) => a + (b - mean) ** 2, 0) / weights.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
  });

  it("is deterministic for a seed and differs across seeds; tied models have no output matrix", async () => {
    const a = join(dir, "a.gguf");
    const b = join(dir, "b.gguf");
    const c = join(dir, "c.gguf");
    await writeRandomLlamaGguf({path: a, ...small, seed: 1});
    await writeRandomLlamaGguf({path: b, ...small, seed: 1});
    await writeRandomLlamaGguf({path: c, ...small, seed: 2, tied: true, type: "F32"});
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
    const tied = await readGguf(c);
    expect(tied.tensors.some((t) => t.name === "output.weight")).toBe(false);
    expect(tied.tensors.find((t) => t.name === "token_embd.weight")?.type).toBe("F32");
    expect(ggufMetadataValue(tied, "general.file_type")).toBe(0);
  });

  it.skipIf(neoxVocabGgufPath == null || neoxTokenizerPath == null)("copies a GGUF's vocabulary and converts a byte-level BPE tokenizer.json", async () => {
    const fromGguf = await readGguf((await writeRandomLlamaGguf({path: join(dir, "v1.gguf"), ...small, vocabulary: {gguf: neoxVocabGgufPath!}})).path);
    const vocab = await readGguf(neoxVocabGgufPath!);
    expect(ggufMetadataValue(fromGguf, "tokenizer.ggml.tokens")).toEqual(ggufMetadataValue(vocab, "tokenizer.ggml.tokens"));
    expect(ggufMetadataValue(fromGguf, "tokenizer.ggml.merges")).toEqual(ggufMetadataValue(vocab, "tokenizer.ggml.merges"));
    expect(ggufMetadataValue(fromGguf, "tokenizer.ggml.pre")).toBe("gpt-2");
    expect(ggufMetadataValue(fromGguf, "llama.vocab_size")).toBe(50432);

    const fromJson = await readGguf((await writeRandomLlamaGguf({path: join(dir, "v2.gguf"), ...small, vocabulary: {tokenizerJson: neoxTokenizerPath!}})).path);
    const tokens = ggufMetadataValue(fromJson, "tokenizer.ggml.tokens") as string[];
    expect(tokens).toHaveLength(50277);
    // The tokenizer.json and llama.cpp's vocab file agree on every id the tokenizer can produce.
    expect(tokens).toEqual((ggufMetadataValue(vocab, "tokenizer.ggml.tokens") as string[]).slice(0, 50277));
    expect(ggufMetadataValue(fromJson, "tokenizer.ggml.merges")).toEqual(ggufMetadataValue(vocab, "tokenizer.ggml.merges"));
    expect(ggufMetadataValue(fromJson, "tokenizer.ggml.eos_token_id")).toBe(0);
    const types = ggufMetadataValue(fromJson, "tokenizer.ggml.token_type") as number[];
    expect([types[0], types[1], types[2], types[50254]]).toEqual([3, 3, 1, 4]);
  });

  it("rejects impossible shapes and vocabularies with a GgufWriteError", async () => {
    const path = join(dir, "bad.gguf");
    await expect(writeRandomLlamaGguf({path, ...small, nHead: 3})).rejects.toThrow("nEmbd (16) must be a multiple of nHead (3)");
    await expect(writeRandomLlamaGguf({path, ...small, nHeadKv: 3})).rejects.toThrow(GgufWriteError);
    await expect(writeRandomLlamaGguf({path, ...small, nLayer: 0})).rejects.toThrow("llama nLayer: must be a positive integer");
    // An explicit undefined means "the default", as an omitted option does.
    await expect(writeRandomLlamaGguf({path, ...small, nHeadKv: undefined, tied: undefined})).resolves.toMatchObject({nVocab: 512});
    await expect(writeRandomLlamaGguf({path, ...small, vocabulary: {synthetic: 10}})).rejects.toThrow("synthetic vocabulary size must be an integer >=");
    await expect(writeRandomLlamaGguf({path, ...small, vocabulary: {gguf: join(dir, "none.gguf")}})).rejects.toThrow("file not found");
  });
});
