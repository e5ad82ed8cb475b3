import {llamaArchitectureMetadata, llamaTensorShapes, type LlamaHparams} from "./llama-layout.js";
import {randomNormal} from "./random-normal.js";
import {writeRandomGguf, type RandomGgufOptions, type WriteRandomGgufResult} from "./write-random-gguf.js";

export interface WriteRandomLlamaGgufOptions extends Omit<LlamaHparams, "nVocab">, RandomGgufOptions {}

export type WriteRandomLlamaGgufResult = WriteRandomGgufResult;

/**
 * Writes a llama-architecture GGUF with random weights and a real (or synthetic) vocabulary: a model that
 * llama.cpp loads and runs, for tests and benchmarks of any size. Tensors are produced one at a time.
 */
export async function writeRandomLlamaGguf(options: WriteRandomLlamaGgufOptions): Promise<WriteRandomLlamaGgufResult> {
  return writeRandomGguf(options, {
    shapes: (nVocab) => llamaTensorShapes({...options, nVocab}),
    metadata: (nVocab, fileType) => llamaArchitectureMetadata({...options, nVocab, fileType}),
    values: (shape, count, std, stream) => (shape.role === "norm" ? new Float32Array(count).fill(1) : randomNormal(count, std, stream))
  });
}
