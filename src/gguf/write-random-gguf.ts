import type {GgufValue} from "./gguf-types.js";
import {randomNormal} from "./random-normal.js";
import {vocabularyMetadata, type VocabularySource} from "./vocabulary-metadata.js";
import {writeGguf, type WriteGgufResult} from "./write-gguf.js";

/** What every random GGUF writer (writeRandomLlamaGguf, writeRandomGptNeoxGguf) takes besides its hyperparameters. */
export interface RandomGgufOptions {
  readonly path: string;
  /** Defaults to a synthetic 512-token vocabulary. */
  readonly vocabulary?: VocabularySource;
  readonly seed?: number;
  /** Weight matrices' type; 1-D tensors (norms, biases) are always F32 as in llama.cpp's converters. Defaults to F16. */
  readonly type?: "F32" | "F16";
  /** Standard deviation of the normal weights (GPT-2's and Pythia's initialisation scale). Defaults to 0.02. */
  readonly initStd?: number;
  readonly name?: string;
}

export interface WriteRandomGgufResult extends WriteGgufResult {
  readonly parameters: number;
  readonly nVocab: number;
}

/** One architecture's part of a random GGUF: its tensors and metadata for a vocabulary size, and each tensor's values. */
export interface RandomGgufLayout<S extends {readonly name: string; readonly dims: readonly number[]}> {
  shapes(nVocab: number): readonly S[];
  metadata(nVocab: number, fileType: "F32" | "F16"): Record<string, GgufValue>;
  /** The `count` values of `shape`, drawn (when random) from `randomNormal(count, std, stream)`. */
  values(shape: S, count: number, std: number, stream: number): Float32Array;
}

/**
 * Writes a GGUF of `layout`'s architecture with seeded random weights and a real (or synthetic) vocabulary,
 * producing tensors one at a time.
 */
export async function writeRandomGguf<S extends {readonly name: string; readonly dims: readonly number[]}>(
  options: RandomGgufOptions,
  layout: RandomGgufLayout<S>
): Promise<WriteRandomGgufResult> {
  const {path, seed = 0, type = "F16", initStd = 0.02} = options;
  const vocabulary = await vocabularyMetadata(options.vocabulary ?? {synthetic: 512});
  const shapes = layout.shapes(vocabulary.size);
  const result = await writeGguf(path, {
    metadata: {...layout.metadata(vocabulary.size, type), ...vocabulary.metadata},
    tensors: shapes.map((shape, index) => {
      const count = shape.dims.reduce((a, b) => a * b, 1);
      // Each tensor gets its own stream so the weights do not depend on the order tensors are produced in.
      const stream = (seed * 1000003 + index) >>> 0;
      return {name: shape.name, dims: shape.dims, type: shape.dims.length === 1 ? "F32" : type, data: () => layout.values(shape, count, initStd, stream)};
    })
  });
  const parameters = shapes.reduce((sum, s) => sum + s.dims.reduce((a, b) => a * b, 1), 0);
  return {...result, parameters, nVocab: vocabulary.size};
}
