import {mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {readGguf, readGgufTensor} from "../gguf/index.js";
import {
  convertPeftToLoraGguf,
  HfModelError,
  openHfFolder,
  readHfTensor,
  readPeftAdapter,
  readSafetensorsHeader,
  readSafetensorsTensor,
  writePeftAdapter,
  writeSafetensorsFile,
  type HfLayout
} from "./index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-hf-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("safetensors", () => {
  it("reads F32, F16 and BF16 tensors as exact F32 values, from their byte ranges", async () => {
    const path = join(dir, "dtypes.safetensors");
    // Each value is representable in all three types, so the round trip is exact.
    const values = Float32Array.from([0, 1, -2, 0.5, 3.25, -1024, 0.0078125, 65280]);
    await writeSafetensorsFile(path, [
      {name: "a", shape: [2, 4], data: values},
      {name: "b", shape: [8], data: values, dtype: "F16"},
      {name: "c", shape: [4, 2], data: values, dtype: "BF16"}
    ]);
    const header = await readSafetensorsHeader(path);
    expect([...header.tensors].map(([name, e]) => [name, e.dtype, e.shape, e.end - e.begin])).toEqual([
      ["a", "F32", [2, 4], 32],
      ["b", "F16", [8], 16],
      ["c", "BF16", [4, 2], 16]
    ]);
    for (const name of ["a", "b", "c"]) expect([...(await readSafetensorsTensor(header, name))]).toEqual([...values]);
    // BF16 keeps the upper half of the F32 bits, rounded to nearest even: 1 + 2^-8 rounds to 1, 1 + 3*2^-8 to 1 + 2^-6.
    await writeSafetensorsFile(path, [{name: "r", shape: [2], data: Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8]), dtype: "BF16"}]);
    expect([...(await readSafetensorsTensor(await readSafetensorsHeader(path), "r"))]).toEqual([1, 1 + 2 ** -6]);
  });

  it("names the file and the problem for a truncated or foreign file", async () => {
    const path = join(dir, "bad.safetensors");
    await writeFile(path, Buffer.from([1, 2, 3]));
    await expect(readSafetensorsHeader(path)).rejects.toThrow(`${path}: not a safetensors file (too short)`);
    await writeSafetensorsFile(path, [{name: "x", shape: [4], data: new Float32Array(4)}]);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 4));
    await expect(readSafetensorsHeader(path)).rejects.toThrow(/tensor x is truncated or inconsistent with its shape \[4\]/);
    await expect(readSafetensorsHeader(join(dir, "missing.safetensors"))).rejects.toBeInstanceOf(HfModelError);
  });
});

describe("Hugging Face folders", () => {
  it("reads sharded weights through model.safetensors.index.json", async () => {
    const folder = join(dir, "sharded");
    await mkdir(folder);
    await writeFile(join(folder, "config.json"), JSON.stringify({model_type: "llama", hidden_size: 4}));
    await writeSafetensorsFile(join(folder, "model-00001-of-00002.safetensors"), [{name: "model.norm.weight", shape: [4], data: Float32Array.from([1, 2, 3, 4]), dtype: "BF16"}]);
    await writeSafetensorsFile(join(folder, "model-00002-of-00002.safetensors"), [{name: "lm_head.weight", shape: [2, 4], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dtype: "F16"}]);
    await writeFile(
      join(folder, "model.safetensors.index.json"),
      JSON.stringify({weight_map: {"model.norm.weight": "model-00001-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}})
    );
    const hf = await openHfFolder(folder);
    expect(hf.modelType).toBe("llama");
    expect([...hf.tensors.keys()]).toEqual(["model.norm.weight", "lm_head.weight"]);
    expect([...(await readHfTensor(hf, "lm_head.weight"))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await writeFile(join(folder, "config.json"), JSON.stringify({model_type: "bert"}));
    await expect(openHfFolder(folder)).rejects.toThrow(/config\.json: model_type 'bert' is not supported; h2ogpt-ts reads llama and gpt_neox models/);
  });
});

describe("PEFT adapters", () => {
  const llama: HfLayout = {dir: "base", modelType: "llama", config: {hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1}};
  const rank = 2;
  const weights = () => {
    const adapters = new Map<string, Float32Array>();
    const shapes = new Map<string, readonly number[]>();
    const targets = ["blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.ffn_down.weight"];
    const outs: Record<string, number> = {"blk.0.attn_q.weight": 8, "blk.0.attn_k.weight": 4, "blk.0.ffn_down.weight": 8};
    for (const target of targets) {
      adapters.set(`${target}.lora_a`, Float32Array.from({length: rank * 8}, (_, i) => i + 1));
      adapters.set(`${target}.lora_b`, Float32Array.from({length: outs[target]! * rank}, (_, i) => 100 + i));
      shapes.set(`${target}.lora_a`, [rank, 8]);
      shapes.set(`${target}.lora_b`, [outs[target]!, rank]);
    }
    return {rank, alpha: 16, dropout: 0.05, targets, adapters, shapes};
  };

  it("writes PEFT's names, config and Hugging Face row order, and reads back the same GGUF-order adapters", async () => {
    const peft = join(dir, "peft");
    const given = weights();
    await writePeftAdapter({dir: peft, layout: llama, baseModelNameOrPath: "my/base", weights: given});
    const config = JSON.parse(await readFile(join(peft, "adapter_config.json"), "utf8"));
    expect(config).toMatchObject({peft_type: "LORA", r: 2, lora_alpha: 16, lora_dropout: 0.05, fan_in_fan_out: false, base_model_name_or_path: "my/base", task_type: "CAUSAL_LM"});
    expect(config.target_modules).toEqual(["down_proj", "k_proj", "q_proj"]);
    const header = await readSafetensorsHeader(join(peft, "adapter_model.safetensors"));
    expect([...header.tensors.keys()]).toEqual([
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
      "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
      "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight",
      "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight",
      "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight",
      "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"
    ]);
    // k_proj has one kv head of 4 rows: GGUF's interleaved pairs (0,2,1,3) are HF's halves again. Rows are [r] = 2 values.
    const kB = await readSafetensorsTensor(header, "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight");
    expect([...kB]).toEqual([100, 101, 104, 105, 102, 103, 106, 107]);
    const back = await readPeftAdapter(peft, llama);
    expect(back).toMatchObject({rank: 2, alpha: 16, dropout: 0.05});
    expect(new Set(back.targets)).toEqual(new Set(given.targets));
    for (const [name, value] of given.adapters) expect([...back.adapters.get(name)!], name).toEqual([...value]);

    const gguf = join(dir, "adapter.gguf");
    await convertPeftToLoraGguf({adapterDir: peft, layout: llama, out: gguf});
    const file = await readGguf(gguf);
    expect(file.metadata["general.type"]?.value).toBe("adapter");
    expect(file.metadata["adapter.type"]?.value).toBe("lora");
    expect(file.metadata["adapter.lora.alpha"]?.value).toBe(16);
    expect(file.tensors.find((t) => t.name === "blk.0.attn_k.weight.lora_b")?.dims).toEqual([2, 4]);
    for (const [name, value] of given.adapters) expect([...(await readGgufTensor(file, name))], name).toEqual([...value]);
  });

  it("maps gpt_neox's fused query_key_value and refuses what llama.cpp cannot apply", async () => {
    const neox: HfLayout = {dir: "base", modelType: "gpt_neox", config: {hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 2}};
    const peft = join(dir, "peft-neox");
    const a = Float32Array.from({length: 8}, (_, i) => i);
    const b = Float32Array.from({length: 24}, (_, i) => i);
    const adapters = new Map([["blk.0.attn_qkv.weight.lora_a", a], ["blk.0.attn_qkv.weight.lora_b", b]]);
    const shapes = new Map<string, readonly number[]>([["blk.0.attn_qkv.weight.lora_a", [2, 4]], ["blk.0.attn_qkv.weight.lora_b", [12, 2]]]);
    await writePeftAdapter({dir: peft, layout: neox, baseModelNameOrPath: "EleutherAI/pythia-70m", weights: {rank: 2, alpha: 4, dropout: 0, targets: ["blk.0.attn_qkv.weight"], adapters, shapes}});
    const header = await readSafetensorsHeader(join(peft, "adapter_model.safetensors"));
    expect([...header.tensors.keys()]).toEqual([
      "base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_A.weight",
      "base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_B.weight"
    ]);
    // GGUF rows (q0 q0 q1 q1 k0 k0 k1 k1 v0 v0 v1 v1) back to HF's per head (q0 q0 k0 k0 v0 v0 q1 q1 ...); 2 values a row.
    const hfB = [...(await readSafetensorsTensor(header, "base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_B.weight"))];
    expect(hfB.filter((_, i) => i % 2 === 0).map((v) => v / 2)).toEqual([0, 1, 4, 5, 8, 9, 2, 3, 6, 7, 10, 11]);
    expect(JSON.parse(await readFile(join(peft, "adapter_config.json"), "utf8")).target_modules).toEqual(["query_key_value"]);

    const configPath = join(peft, "adapter_config.json");
    const config = JSON.parse(await readFile(configPath, "utf8"));
    await writeFile(configPath, JSON.stringify({...config, use_dora: true}));
    await expect(readPeftAdapter(peft, neox)).rejects.toThrow(`${configPath}: use_dora: DoRA adapters have no llama.cpp form`);
    await writeFile(configPath, JSON.stringify({...config, use_rslora: true}));
    // rsLoRA's alpha/sqrt(r) is llama.cpp's alpha'/r with alpha' = alpha * sqrt(r).
    expect((await readPeftAdapter(peft, neox)).alpha).toBeCloseTo(4 * Math.SQRT2, 12);
  });
});
