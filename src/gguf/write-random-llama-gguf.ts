import {mulberry32} from "../util/index.js";
import {writeGguf, type WriteGgufResult} from "./write-gguf.js";
import {llamaArchitectureMetadata, llamaTensorShapes, type LlamaHparams, type LlamaTensorShape} from "./llama-layout.js";
import {vocabularyMetadata, type VocabularySource} from "./vocabulary-metadata.js";

export interface WriteRandomLlamaGgufOptions extends Omit<LlamaHparams, "nVocab"> {
  readonly path: string;
  /** Defaults to a synthetic 512-token vocabulary. */
  readonly vocabulary?: VocabularySource;
  readonly seed?: number;
  /** Weight matrices' type; norms are always F32 as in llama.cpp's converters. Defaults to F16. */
  readonly type?: "F32" | "F16";
  /** Standard deviation of the normal weights (GPT-2's initialisation). Defaults to 0.02. */
  readonly initStd?: number;
  readonly name?: string;
}

export interface WriteRandomLlamaGgufResult extends WriteGgufResult {
  readonly parameters: number;
  readonly nVocab: number;
}

// mulberry32 gives the same stream on every platform, so a seed names one model.
function randomNormal(count: number, std: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // Box-Muller gives two independent normals per pair of uniforms.
    const radius = std * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

function tensorData(shape: LlamaTensorShape, index: number, seed: number, std: number): () => Float32Array {
  const count = shape.dims.reduce((a, b) => a * b, 1);
  // Each tensor gets its own stream so the weights do not depend on the order tensors are produced in.
  return () => (shape.role === "norm" ? new Float32Array(count).fill(1) : randomNormal(count, std, (seed * 1000003 + index) >>> 0));
}

/**
 * Writes a llama-architecture GGUF with random weights and a real (or synthetic) vocabulary: a model that
 * llama.cpp loads and runs, for tests and benchmarks of any size. Tensors are produced one at a time.
 */
export async function writeRandomLlamaGguf(options: WriteRandomLlamaGgufOptions): Promise<WriteRandomLlamaGgufResult> {
  const {path, seed = 0, type = "F16", initStd = 0.02} = options;
  const vocabulary = await vocabularyMetadata(options.vocabulary ?? {synthetic: 512});
  const hparams: LlamaHparams = {...options, nVocab: vocabulary.size};
  const shapes = llamaTensorShapes(hparams);
  const result = await writeGguf(path, {
    metadata: {...llamaArchitectureMetadata({...hparams, name: options.name, fileType: type}), ...vocabulary.metadata},
    tensors: shapes.map((shape, index) => ({
      name: shape.name,
      dims: shape.dims,
      type: shape.role === "norm" ? "F32" : type,
      data: tensorData(shape, index, seed, initStd)
    }))
  });
  const parameters = shapes.reduce((sum, s) => sum + s.dims.reduce((a, b) => a * b, 1), 0);
  return {...result, parameters, nVocab: vocabulary.size};
}
