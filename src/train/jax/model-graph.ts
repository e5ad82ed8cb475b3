import {headDim} from "../llama-config.js";
import {isGptNeox, type ModelConfig} from "../model-config.js";
import {createGptNeoxGraph} from "./gptneox-graph.js";
import {createLlamaGraph, type LlamaGraph, type LoraSpec} from "./llama-graph.js";
import type {Jax} from "./load-jax.js";

/** The graph of the config's architecture (both read GGUF names and layouts, so the backend is shared). */
export function createModelGraph(jax: Jax, config: ModelConfig, lora?: LoraSpec, options: {smoothGelu?: boolean} = {}): LlamaGraph {
  return isGptNeox(config) ? createGptNeoxGraph(jax, config, lora, options) : createLlamaGraph(jax, config, lora);
}

/** The dimensions per head that RoPE rotates: the whole head for llama, rotary_pct of it for gptneox. */
export function ropeDimensions(config: ModelConfig): number {
  return isGptNeox(config) ? config.ropeDims : headDim(config);
}
