import {writeFile} from "node:fs/promises";
import {join} from "node:path";
import {llamaArchitectureMetadata, vocabularyMetadata} from "../src/gguf/index.js";
import {writeLlamaModelGguf} from "../src/train/export-gguf.js";
import {initLlamaWeights} from "../src/train/init-llama.js";
import {llamaHparams, llamaTensorSpecs, type LlamaConfig} from "../src/train/llama-config.js";
import {Random} from "../src/train/random.js";

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

/**
 * Writes the benchmark model (seeded weights) for both sides of a training benchmark: `model.gguf` for us, and for
 * PyTorch `weights.bin` (every tensor as row-major float32, one after another) with `weights.json` ({config,
 * tensors: [{name, shape, offset}]}).
 */
export async function writeBenchModel(dir: string): Promise<void> {
  const config = BENCH_MODEL;
  const weights = initLlamaWeights(config, new Random(1));
  const vocabulary = await vocabularyMetadata({synthetic: config.vocabSize});
  const metadata = {
    ...llamaArchitectureMetadata(llamaHparams(config)),
    ...vocabulary.metadata
  };
  await writeLlamaModelGguf({path: join(dir, "model.gguf"), config, metadata, tensors: weights, type: "F32"});
  let offset = 0;
  const tensors = llamaTensorSpecs(config).map((spec) => {
    const entry = {name: spec.name, shape: spec.shape, offset};
    offset += weights.get(spec.name)!.length;
    return entry;
  });
  const all = new Float32Array(offset);
  for (const t of tensors) all.set(weights.get(t.name)!, t.offset);
  await writeFile(join(dir, "weights.bin"), new Uint8Array(all.buffer));
  await writeFile(join(dir, "weights.json"), JSON.stringify({config, tensors}));
}
