import {ggufMetadataValue, readGguf, readGgufTensor, type GgufFile, type GgufValue} from "../gguf/index.js";
import {gptneoxConfigFromGguf} from "./gptneox-config.js";
import type {LlamaConfig} from "./llama-config.js";
import {modelTensorSpecs, type ModelConfig} from "./model-config.js";
import {UnsupportedModelError} from "./train-errors.js";

/** A model's weights as row-major Float32Arrays by GGUF tensor name, with the metadata to write it back. */
export interface LoadedModel {
  readonly config: ModelConfig;
  readonly tensors: Map<string, Float32Array>;
  /** The source file's metadata (tokenizer, chat template, names), copied into merged models. */
  readonly metadata: Readonly<Record<string, GgufValue>>;
}

function requiredNumber(file: GgufFile, key: string): number {
  const value = ggufMetadataValue(file, key);
  if (typeof value !== "number") throw new UnsupportedModelError(file.path, `metadata ${key} is missing or not a number`);
  return value;
}

function optionalNumber(file: GgufFile, key: string, fallback: number): number {
  const value = ggufMetadataValue(file, key);
  return typeof value === "number" ? value : fallback;
}

/** Reads the `llama.*` hyper-parameters and refuses what our graph would compute differently from llama.cpp. */
export function llamaConfigFromGguf(file: GgufFile): LlamaConfig {
  const arch = ggufMetadataValue(file, "general.architecture");
  if (arch !== "llama")
    throw new UnsupportedModelError(file.path, `architecture '${String(arch)}' cannot be trained here; only 'llama' and 'gptneox' models can`);
  const scaling = ggufMetadataValue(file, "llama.rope.scaling.type");
  if (scaling != null && scaling !== "none")
    throw new UnsupportedModelError(file.path, `RoPE scaling '${String(scaling)}' is not supported for training`);
  const tokens = ggufMetadataValue(file, "tokenizer.ggml.tokens");
  const embedding = file.tensors.find((t) => t.name === "token_embd.weight");
  const vocabSize = Array.isArray(tokens) ? tokens.length : optionalNumber(file, "llama.vocab_size", embedding?.dims[1] ?? 0);
  const embeddingLength = requiredNumber(file, "llama.embedding_length");
  const headCount = requiredNumber(file, "llama.attention.head_count");
  const ropeDims = optionalNumber(file, "llama.rope.dimension_count", embeddingLength / headCount);
  if (ropeDims !== embeddingLength / headCount)
    throw new UnsupportedModelError(file.path, `llama.rope.dimension_count ${ropeDims} differs from the head size ${embeddingLength / headCount}`);
  return {
    vocabSize,
    embeddingLength,
    blockCount: requiredNumber(file, "llama.block_count"),
    feedForwardLength: requiredNumber(file, "llama.feed_forward_length"),
    headCount,
    headCountKv: optionalNumber(file, "llama.attention.head_count_kv", headCount),
    contextLength: requiredNumber(file, "llama.context_length"),
    rmsNormEps: optionalNumber(file, "llama.attention.layer_norm_rms_epsilon", 1e-5),
    ropeFreqBase: optionalNumber(file, "llama.rope.freq_base", 10000),
    attentionScale: optionalNumber(file, "llama.attention.scale", 0),
    tiedEmbeddings: !file.tensors.some((t) => t.name === "output.weight")
  };
}

/** The hyper-parameters of a GGUF the trainer can train (llama or gptneox); other architectures are refused by name. */
export function modelConfigFromGguf(file: GgufFile): ModelConfig {
  if (ggufMetadataValue(file, "general.architecture") === "gptneox") return gptneoxConfigFromGguf(file);
  return llamaConfigFromGguf(file);
}

/** Loads a llama or gptneox GGUF with F32 or F16 weights into Float32Arrays, checking every tensor's name and shape. */
export async function loadGgufModel(path: string): Promise<LoadedModel> {
  const file = await readGguf(path);
  const config = modelConfigFromGguf(file);
  const specs = modelTensorSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  const extra = file.tensors.find((t) => !expected.has(t.name));
  if (extra != null)
    throw new UnsupportedModelError(path, `tensor ${extra.name} is not part of the ${config.architecture ?? "llama"} layout the trainer supports`);
  const tensors = new Map<string, Float32Array>();
  for (const spec of specs) {
    const info = file.tensors.find((t) => t.name === spec.name);
    if (info == null) throw new UnsupportedModelError(path, `tensor ${spec.name} is missing`);
    const dims = [...spec.shape].reverse();
    if (info.dims.length !== dims.length || info.dims.some((n, i) => n !== dims[i]))
      throw new UnsupportedModelError(path, `tensor ${spec.name} has dims [${info.dims.join(", ")}], expected [${dims.join(", ")}]`);
    if (info.type !== "F32" && info.type !== "F16")
      throw new UnsupportedModelError(path, `tensor ${spec.name} is ${info.type}; training needs F32 or F16 weights (not quantized)`);
    tensors.set(spec.name, await readGgufTensor(file, spec.name));
  }
  const metadata: Record<string, GgufValue> = {};
  for (const [key, value] of Object.entries(file.metadata)) metadata[key] = value;
  return {config, tensors, metadata};
}
