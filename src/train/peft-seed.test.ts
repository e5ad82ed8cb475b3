import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {gptneoxQkvFromHf, gptneoxQkvToHf, type GgufValue} from "../gguf/index.js";
import {readSafetensorsHeader, readSafetensorsTensor, writePeftAdapter, type HfLayout, type LoraAdapterWeights} from "../hf/index.js";
import type {GptNeoxConfig} from "./gptneox-config.js";
import type {LlamaConfig} from "./llama-config.js";
import type {BaseModel} from "./load-base-model.js";
import {loraScale, mergeLora} from "./lora.js";
import {peftTargetModules, readPeftSeed, seedFromPeft, withPeftSettings} from "./peft-seed.js";
import {Random} from "./random.js";
import {setupTrainable} from "./trainable-setup.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-peft-seed-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const u32 = (value: number): GgufValue => ({type: "u32", value});
const values = (n: number, seed: number): Float32Array => {
  const random = new Random(seed);
  return Float32Array.from({length: n}, () => random.next() * 2 - 1);
};

// Two heads of 2: HF's fused rows are (head, q|k|v, d), GGUF's (q|k|v, head, d). Rank 3, so B rows are 3 wide.
const neoxConfig: GptNeoxConfig = {
  architecture: "gptneox", vocabSize: 10, embeddingLength: 4, blockCount: 1, feedForwardLength: 8, headCount: 2,
  contextLength: 8, ropeDims: 2, ropeFreqBase: 10000, layerNormEps: 1e-5, useParallelResidual: true, tiedEmbeddings: false
};
const neoxBase = (embeddingLength = 4): BaseModel => ({
  config: {...neoxConfig, embeddingLength},
  tensors: new Map(),
  metadata: {
    "general.architecture": {type: "string", value: "gptneox"},
    "gptneox.embedding_length": u32(embeddingLength),
    "gptneox.block_count": u32(1),
    "gptneox.attention.head_count": u32(2)
  },
  path: "base",
  tokenizerPath: "base"
});
const neoxLayout: HfLayout = {dir: "base", modelType: "gpt_neox", config: {hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 2}};
const rank = 3;
const qkv = "blk.0.attn_qkv.weight";
const neoxAdapter = (): LoraAdapterWeights => ({
  rank,
  alpha: 6,
  dropout: 0.1,
  targets: [qkv],
  adapters: new Map([[`${qkv}.lora_a`, values(rank * 4, 1)], [`${qkv}.lora_b`, values(12 * rank, 2)]]),
  shapes: new Map([[`${qkv}.lora_a`, [rank, 4]], [`${qkv}.lora_b`, [12, rank]]])
});

describe("PEFT export and import of GPT-NeoX's fused query_key_value", () => {
  it("writes B in Hugging Face's row order (rows r wide), reads it back exactly, and merges as our GGUF-order adapter does", async () => {
    const peft = join(dir, "neox");
    const ours = neoxAdapter();
    await writePeftAdapter({dir: peft, layout: neoxLayout, baseModelNameOrPath: "base", weights: ours});
    const header = await readSafetensorsHeader(join(peft, "adapter_model.safetensors"));
    const hfB = await readSafetensorsTensor(header, "base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_B.weight");
    const hfA = await readSafetensorsTensor(header, "base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_A.weight");
    const ggufB = ours.adapters.get(`${qkv}.lora_b`)!;
    expect([...hfB]).toEqual([...gptneoxQkvToHf({data: ggufB, nHead: 2, headDim: 2, rowLength: rank})]);
    expect([...hfA]).toEqual([...ours.adapters.get(`${qkv}.lora_a`)!]);

    const seeded = await readPeftSeed(peft, neoxBase());
    expect([...seeded.adapters.get(`${qkv}.lora_b`)!]).toEqual([...ggufB]);
    expect([...seeded.adapters.get(`${qkv}.lora_b`)!]).toEqual([...gptneoxQkvFromHf({data: hfB, nHead: 2, headDim: 2, rowLength: rank})]);

    // PEFT's merge on the HF weight (W + alpha/r B A), then converted as llama.cpp's converter does, equals ours in GGUF order.
    const hfW = values(12 * 4, 3);
    const shapes = new Map<string, readonly number[]>([[qkv, [12, 4]]]);
    const scale = loraScale({rank, alpha: 6});
    const peftMerged = mergeLora({base: new Map([[qkv, hfW]]), adapters: new Map([[`${qkv}.lora_a`, hfA], [`${qkv}.lora_b`, hfB]]), shapes, targets: [qkv], rank, scale});
    const ggufW = gptneoxQkvFromHf({data: hfW, nHead: 2, headDim: 2, rowLength: 4});
    const ourMerged = mergeLora({base: new Map([[qkv, ggufW]]), adapters: ours.adapters, shapes, targets: [qkv], rank, scale}).get(qkv)!;
    const converted = gptneoxQkvFromHf({data: peftMerged.get(qkv)!, nHead: 2, headDim: 2, rowLength: 4});
    expect(Math.max(...converted.map((v, i) => Math.abs(v - ourMerged[i]!)))).toBeLessThan(1e-6);
    expect(Math.max(...ourMerged.map((v, i) => Math.abs(v - ggufW[i]!)))).toBeGreaterThan(0.01);
  });

  it("refuses an adapter trained on a base of another size, naming the module", async () => {
    const peft = join(dir, "neox-size");
    await writePeftAdapter({dir: peft, layout: neoxLayout, baseModelNameOrPath: "base", weights: neoxAdapter()});
    await expect(readPeftSeed(peft, neoxBase(8))).rejects.toThrow(
      "module gpt_neox.layers.0.attention.query_key_value has 12 output rows, the base model's blk.0.attn_qkv.weight has 24"
    );
  });
});

describe("finetune --lora_weights", () => {
  it("takes r, alpha and dropout from adapter_config.json; a different --lora_r or --lora_alpha is refused by name", () => {
    const config = {rank: 3, alpha: 6, dropout: 0.1};
    expect(withPeftSettings({outputDir: "o"}, config, "peft")).toMatchObject({loraR: 3, loraAlpha: 6, loraDropout: 0.1});
    expect(withPeftSettings({outputDir: "o", loraR: 3, loraDropout: 0}, config, "peft")).toMatchObject({loraR: 3, loraDropout: 0});
    expect(() => withPeftSettings({outputDir: "o", loraR: 8, loraAlpha: 16}, config, "peft")).toThrow(
      "--lora_weights=peft: --lora_r=8 but the adapter has 3; --lora_alpha=16 but the adapter has 6 (leave the flag out to use the adapter's)"
    );
  });

  it("seeds the adapters of the modules the PEFT folder has, and refuses other modules or shapes", async () => {
    const peft = join(dir, "seed");
    await writePeftAdapter({dir: peft, layout: neoxLayout, baseModelNameOrPath: "base", weights: neoxAdapter()});
    const base = neoxBase();
    const weights = await readPeftSeed(peft, base);
    const modules = peftTargetModules(weights.targets, base);
    expect(modules).toEqual(["query_key_value"]);
    const setupFor = (targetModules: readonly string[], model: BaseModel = base) =>
      setupTrainable({model, full: false, lora: {rank, alpha: 6, dropout: 0, targetModules}, random: new Random(1)});
    const setup = setupFor(modules);
    seedFromPeft({setup, weights, dir: "peft", base});
    for (const name of [`${qkv}.lora_a`, `${qkv}.lora_b`]) expect([...setup.trainable.get(name)!], name).toEqual([...neoxAdapter().adapters.get(name)!]);

    expect(() => seedFromPeft({setup: setupFor(["query_key_value", "dense"]), weights, dir: "peft", base})).toThrow(
      "--lora_weights=peft: the adapter has no adapter on blk.0.attn_output.weight (--lora_target_modules gives query_key_value, dense on every layer; leave it out to use the adapter's)"
    );

    // A llama adapter of hidden size 4 on a base of hidden size 8: A's input width differs.
    const llama: LlamaConfig = {
      vocabSize: 10, embeddingLength: 8, blockCount: 1, feedForwardLength: 6, headCount: 2, headCountKv: 2,
      contextLength: 8, rmsNormEps: 1e-5, ropeFreqBase: 10000, attentionScale: 0, tiedEmbeddings: false
    };
    const v = "blk.0.attn_v.weight";
    const small: LoraAdapterWeights = {
      rank, alpha: 6, dropout: 0, targets: [v],
      adapters: new Map([[`${v}.lora_a`, values(rank * 4, 4)], [`${v}.lora_b`, values(8 * rank, 5)]]),
      shapes: new Map([[`${v}.lora_a`, [rank, 4]], [`${v}.lora_b`, [8, rank]]])
    };
    const llamaBase: BaseModel = {config: llama, tensors: new Map(), metadata: {}, path: "base", tokenizerPath: "base"};
    expect(peftTargetModules(small.targets, llamaBase)).toEqual(["v_proj"]);
    expect(() => seedFromPeft({setup: setupFor(["v_proj"], llamaBase), weights: small, dir: "peft", base: llamaBase})).toThrow(
      "--lora_weights=peft: blk.0.attn_v.weight.lora_a is [3, 4], the base model needs [3, 8]"
    );
  });
});
