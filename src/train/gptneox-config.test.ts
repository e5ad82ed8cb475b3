import {describe, expect, it} from "vitest";
import type {GptNeoxConfig} from "./gptneox-config.js";
import {defaultLoraTargetModules, loraModuleNames, resolveLoraTargets} from "./lora.js";
import {modelTensorSpecs} from "./model-config.js";

const config: GptNeoxConfig = {
  architecture: "gptneox", vocabSize: 10, embeddingLength: 8, blockCount: 2, feedForwardLength: 32, headCount: 2,
  contextLength: 16, ropeDims: 2, ropeFreqBase: 10000, layerNormEps: 1e-5, useParallelResidual: true, tiedEmbeddings: false
};

describe("GPT-NeoX in the trainer", () => {
  it("lists every tensor with row-major shapes ([out, in])", () => {
    const specs = modelTensorSpecs(config);
    expect(specs).toHaveLength(1 + 12 * 2 + 3);
    expect(specs.find((s) => s.name === "blk.0.attn_qkv.weight")?.shape).toEqual([24, 8]);
    expect(specs.find((s) => s.name === "blk.1.ffn_down.weight")?.shape).toEqual([8, 32]);
    expect(specs.find((s) => s.name === "output.weight")?.shape).toEqual([10, 8]);
  });

  it("maps h2oGPT's GPT-NeoX LoRA modules; query_key_value is the default", () => {
    expect(defaultLoraTargetModules(config)).toEqual(["query_key_value"]);
    expect(resolveLoraTargets(["query_key_value"], config)).toEqual(["blk.0.attn_qkv.weight", "blk.1.attn_qkv.weight"]);
    expect(resolveLoraTargets(["dense,dense_h_to_4h,dense_4h_to_h", "embed_out"], config)).toEqual([
      "blk.0.attn_output.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight",
      "blk.1.attn_output.weight", "blk.1.ffn_up.weight", "blk.1.ffn_down.weight", "output.weight"
    ]);
    expect(resolveLoraTargets(["all-linear"], config)).toHaveLength(8);
    // Checkpoints store llama.cpp names, which a resumed run gives back.
    expect(resolveLoraTargets(["attn_qkv"], config)).toHaveLength(2);
    expect(() => resolveLoraTargets(["q_proj"], config)).toThrow("unknown module 'q_proj' for a gptneox model (use query_key_value, dense");
    // Before a model is loaded, either architecture's names pass.
    expect([...loraModuleNames(["q_proj", "query_key_value"])]).toEqual(["attn_q", "attn_qkv"]);
  });
});
