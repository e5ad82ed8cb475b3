import {ggufMetadataValue, gptneoxArchitectureMetadata, gptneoxTensorShapes, type GgufFile, type GgufValue, type GptNeoxHparams} from "../gguf/index.js";
import type {TensorSpec} from "./llama-config.js";
import {UnsupportedModelError} from "./train-errors.js";

/** The hyper-parameters of a `gptneox`-architecture decoder (Pythia, h2oGPT's released models), from GGUF's `gptneox.*`. */
export interface GptNeoxConfig {
  readonly architecture: "gptneox";
  readonly vocabSize: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly feedForwardLength: number;
  readonly headCount: number;
  readonly contextLength: number;
  /** Rotary dimensions per head (`rope.dimension_count`, rotary_pct * head size). */
  readonly ropeDims: number;
  readonly ropeFreqBase: number;
  readonly layerNormEps: number;
  readonly useParallelResidual: boolean;
  /** GPT-NeoX never ties its head (`embed_out`) to the embedding. */
  readonly tiedEmbeddings: false;
}

/** The layout's hyper-parameters in src/gguf's naming, for metadata and tensor shapes. */
export function gptneoxHparams(config: GptNeoxConfig): GptNeoxHparams {
  return {
    nVocab: config.vocabSize,
    nEmbd: config.embeddingLength,
    nLayer: config.blockCount,
    nHead: config.headCount,
    nFf: config.feedForwardLength,
    contextLength: config.contextLength,
    nRot: config.ropeDims,
    layerNormEps: config.layerNormEps,
    useParallelResidual: config.useParallelResidual,
    ropeFreqBase: config.ropeFreqBase
  };
}

/** Every weight of the model in GGUF's naming, with row-major shapes ([out, in]: GGUF's dims reversed). */
export function gptneoxTensorSpecs(config: GptNeoxConfig): TensorSpec[] {
  return gptneoxTensorShapes(gptneoxHparams(config)).map((shape) => ({name: shape.name, shape: [...shape.dims].reverse()}));
}

/** `general.*` and `gptneox.*` metadata for a model of this shape (the tokenizer comes from elsewhere). */
export function gptneoxMetadata(config: GptNeoxConfig, options: {name?: string; fileType?: "F32" | "F16"} = {}): Record<string, GgufValue> {
  return gptneoxArchitectureMetadata({...gptneoxHparams(config), ...options});
}

function requiredNumber(file: GgufFile, key: string): number {
  const value = ggufMetadataValue(file, key);
  if (typeof value !== "number") throw new UnsupportedModelError(file.path, `metadata ${key} is missing or not a number`);
  return value;
}

/** Reads the `gptneox.*` hyper-parameters and refuses what our graph would compute differently from llama.cpp. */
export function gptneoxConfigFromGguf(file: GgufFile): GptNeoxConfig {
  const scaling = ggufMetadataValue(file, "gptneox.rope.scaling.type");
  if (scaling != null && scaling !== "none")
    throw new UnsupportedModelError(file.path, `RoPE scaling '${String(scaling)}' is not supported for training`);
  const tokens = ggufMetadataValue(file, "tokenizer.ggml.tokens");
  const embedding = file.tensors.find((t) => t.name === "token_embd.weight");
  const embeddingLength = requiredNumber(file, "gptneox.embedding_length");
  const headCount = requiredNumber(file, "gptneox.attention.head_count");
  const headCountKv = ggufMetadataValue(file, "gptneox.attention.head_count_kv");
  if (typeof headCountKv === "number" && headCountKv !== headCount)
    throw new UnsupportedModelError(file.path, `gptneox.attention.head_count_kv ${headCountKv} differs from head_count ${headCount}`);
  const ropeDims = requiredNumber(file, "gptneox.rope.dimension_count");
  const headSize = embeddingLength / headCount;
  if (!Number.isInteger(headSize) || ropeDims % 2 !== 0 || ropeDims > headSize)
    throw new UnsupportedModelError(file.path, `gptneox.rope.dimension_count ${ropeDims} must be even and at most the head size ${headSize}`);
  const parallel = ggufMetadataValue(file, "gptneox.use_parallel_residual");
  if (typeof parallel !== "boolean") throw new UnsupportedModelError(file.path, "metadata gptneox.use_parallel_residual is missing or not a bool");
  const freqBase = ggufMetadataValue(file, "gptneox.rope.freq_base");
  return {
    architecture: "gptneox",
    vocabSize: Array.isArray(tokens) ? tokens.length : (embedding?.dims[1] ?? 0),
    embeddingLength,
    blockCount: requiredNumber(file, "gptneox.block_count"),
    feedForwardLength: requiredNumber(file, "gptneox.feed_forward_length"),
    headCount,
    contextLength: requiredNumber(file, "gptneox.context_length"),
    ropeDims,
    ropeFreqBase: typeof freqBase === "number" ? freqBase : 10000,
    layerNormEps: requiredNumber(file, "gptneox.attention.layer_norm_epsilon"),
    useParallelResidual: parallel,
    tiedEmbeddings: false
  };
}
