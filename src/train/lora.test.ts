import {describe, expect, it} from "vitest";
import type {LlamaConfig} from "./llama-config.js";
import {initLoraWeights, loraScale, loraTensorSpecs, mergeLora, resolveLoraTargets} from "./lora.js";
import {Random} from "./random.js";

const config: LlamaConfig = {
  vocabSize: 10, embeddingLength: 4, blockCount: 2, feedForwardLength: 6, headCount: 2, headCountKv: 1,
  contextLength: 8, rmsNormEps: 1e-5, ropeFreqBase: 10000, attentionScale: 0, tiedEmbeddings: false
};

describe("resolveLoraTargets", () => {
  it("maps h2oGPT/peft module names and llama.cpp names to every layer's weights", () => {
    expect(resolveLoraTargets(["q_proj", "v_proj"], config)).toEqual([
      "blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.1.attn_q.weight", "blk.1.attn_v.weight"
    ]);
    expect(resolveLoraTargets(["attn_output,ffn_down", "lm_head"], config)).toEqual([
      "blk.0.attn_output.weight", "blk.0.ffn_down.weight", "blk.1.attn_output.weight", "blk.1.ffn_down.weight", "output.weight"
    ]);
    expect(resolveLoraTargets(["all-linear"], config)).toHaveLength(14);
  });

  it("rejects unknown modules and an adapter on a tied head", () => {
    expect(() => resolveLoraTargets(["query_key_value"], config)).toThrow("unknown module 'query_key_value'");
    expect(() => resolveLoraTargets(["lm_head"], {...config, tiedEmbeddings: true})).toThrow("tied embeddings");
    expect(() => resolveLoraTargets([" "], config)).toThrow("no modules");
  });
});

describe("LoRA weights", () => {
  const shapes = new Map<string, readonly number[]>([["w", [3, 4]]]);

  it("starts with B = 0 and A bounded by 1/sqrt(in)", () => {
    const specs = loraTensorSpecs(["w"], shapes, 2);
    expect(specs).toEqual([{name: "w.lora_a", shape: [2, 4]}, {name: "w.lora_b", shape: [3, 2]}]);
    const init = initLoraWeights(specs, new Random(1));
    expect([...init.get("w.lora_b")!]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Math.max(...init.get("w.lora_a")!.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(new Set(init.get("w.lora_a")).size).toBeGreaterThan(1);
  });

  it("merges W + (alpha/r) B A", () => {
    const base = new Map([["w", new Float32Array(12).fill(1)]]);
    const adapters = new Map([
      ["w.lora_a", new Float32Array([1, 0, 0, 2, 0, 1, 0, 0])],
      ["w.lora_b", new Float32Array([1, 0, 0, 1, 1, 1])]
    ]);
    const scale = loraScale({rank: 2, alpha: 4});
    expect(scale).toBe(2);
    const merged = mergeLora({base, adapters, shapes, targets: ["w"], rank: 2, scale}).get("w")!;
    // B A = [[1,0,0,2],[0,1,0,0],[1,1,0,2]]
    expect([...merged]).toEqual([3, 1, 1, 5, 1, 3, 1, 1, 3, 3, 1, 5]);
    expect([...base.get("w")!]).toEqual(new Array(12).fill(1));
    expect(loraScale({rank: 8, alpha: 0})).toBe(1);
  });
});
