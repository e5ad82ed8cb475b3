import {gptneoxTensorSpecs, type GptNeoxConfig} from "./gptneox-config.js";
import {llamaTensorSpecs, type LlamaConfig, type TensorSpec} from "./llama-config.js";

/** The architectures the trainer runs: llama (no `architecture` field, as older checkpoints stored it) or gptneox. */
export type ModelConfig = LlamaConfig | GptNeoxConfig;

export function isGptNeox(config: ModelConfig): config is GptNeoxConfig {
  return config.architecture === "gptneox";
}

/** GGUF's `general.architecture` of the config's model. */
export function architectureOf(config: ModelConfig): "llama" | "gptneox" {
  return isGptNeox(config) ? "gptneox" : "llama";
}

/** Every weight of the model, in GGUF's order and naming, with row-major shapes. */
export function modelTensorSpecs(config: ModelConfig): TensorSpec[] {
  return isGptNeox(config) ? gptneoxTensorSpecs(config) : llamaTensorSpecs(config);
}
