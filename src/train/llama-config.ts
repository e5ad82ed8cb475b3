import type {LlamaHparams} from "../gguf/index.js";

/** The hyper-parameters of a `llama`-architecture decoder, named as in GGUF's `llama.*` metadata. */
export interface LlamaConfig {
  /** Absent in checkpoints written before other architectures were trainable. */
  readonly architecture?: "llama";
  readonly vocabSize: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly feedForwardLength: number;
  readonly headCount: number;
  readonly headCountKv: number;
  readonly contextLength: number;
  readonly rmsNormEps: number;
  readonly ropeFreqBase: number;
  /** llama.cpp's `llama.attention.scale`; 0 means 1/sqrt(head dim). */
  readonly attentionScale: number;
  /** True when there is no `output.weight` and the head reuses `token_embd.weight`. */
  readonly tiedEmbeddings: boolean;
}

/** The config's hyper-parameters in src/gguf's naming, for llamaArchitectureMetadata. */
export function llamaHparams(config: LlamaConfig): LlamaHparams {
  return {
    nVocab: config.vocabSize,
    nEmbd: config.embeddingLength,
    nLayer: config.blockCount,
    nHead: config.headCount,
    nHeadKv: config.headCountKv,
    nFf: config.feedForwardLength,
    contextLength: config.contextLength,
    rmsEps: config.rmsNormEps,
    ropeFreqBase: config.ropeFreqBase,
    tied: config.tiedEmbeddings
  };
}

export function headDim(config: LlamaConfig): number {
  return config.embeddingLength / config.headCount;
}

/** One tensor's name and row-major shape ([rows, cols] is GGUF's dims reversed). */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Every weight of the model, in GGUF's order and naming. */
export function llamaTensorSpecs(config: LlamaConfig): TensorSpec[] {
  const d = config.embeddingLength;
  const kv = headDim(config) * config.headCountKv;
  const ff = config.feedForwardLength;
  const specs: TensorSpec[] = [{name: "token_embd.weight", shape: [config.vocabSize, d]}];
  for (let i = 0; i < config.blockCount; i++) {
    specs.push(
      {name: `blk.${i}.attn_norm.weight`, shape: [d]},
      {name: `blk.${i}.attn_q.weight`, shape: [d, d]},
      {name: `blk.${i}.attn_k.weight`, shape: [kv, d]},
      {name: `blk.${i}.attn_v.weight`, shape: [kv, d]},
      {name: `blk.${i}.attn_output.weight`, shape: [d, d]},
      {name: `blk.${i}.ffn_norm.weight`, shape: [d]},
      {name: `blk.${i}.ffn_gate.weight`, shape: [ff, d]},
      {name: `blk.${i}.ffn_up.weight`, shape: [ff, d]},
      {name: `blk.${i}.ffn_down.weight`, shape: [d, ff]}
    );
  }
  specs.push({name: "output_norm.weight", shape: [d]});
  if (!config.tiedEmbeddings) specs.push({name: "output.weight", shape: [config.vocabSize, d]});
  return specs;
}

export function parameterCount(config: LlamaConfig): number {
  return llamaTensorSpecs(config).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
}
