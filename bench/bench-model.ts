import type {LlamaConfig} from "../src/train/index.js";

/** Tokens per row of the training benchmarks' batches, and their model's context. */
export const BENCH_LENGTH = 256;

/**
 * training.md's benchmark model in llama form, shared by bench:train and bench:train-reward so their figures are
 * for the same model: vocab 8192, width 256, 4 layers, 4 heads, SwiGLU 1024, tied head.
 */
export const BENCH_MODEL: LlamaConfig = {
  vocabSize: 8192,
  embeddingLength: 256,
  blockCount: 4,
  feedForwardLength: 1024,
  headCount: 4,
  headCountKv: 4,
  contextLength: BENCH_LENGTH,
  rmsNormEps: 1e-5,
  ropeFreqBase: 10000,
  attentionScale: 0,
  tiedEmbeddings: true
};
