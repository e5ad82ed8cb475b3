import {llamaTensorSpecs, type LlamaConfig} from "./llama-config.js";
import type {Random} from "./random.js";

/** Fresh weights for training from scratch: N(0, std) matrices (Hugging Face llama's initializer_range 0.02), norms 1. */
export function initLlamaWeights(config: LlamaConfig, random: Random, std = 0.02): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const spec of llamaTensorSpecs(config)) {
    const values = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.shape.length === 1) values.fill(1);
    else for (let i = 0; i < values.length; i++) values[i] = random.normal() * std;
    out.set(spec.name, values);
  }
  return out;
}
