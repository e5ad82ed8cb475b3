import {gptneoxArchitectureMetadata, gptneoxTensorShapes, type GptNeoxHparams} from "./gptneox-layout.js";
import {randomNormal} from "./random-normal.js";
import {writeRandomGguf, type RandomGgufOptions, type WriteRandomGgufResult} from "./write-random-gguf.js";

export interface WriteRandomGptNeoxGgufOptions extends Omit<GptNeoxHparams, "nVocab">, RandomGgufOptions {}

export type WriteRandomGptNeoxGgufResult = WriteRandomGgufResult;

/**
 * Writes a GPT-NeoX (Pythia-shaped) GGUF with random weights and a real (or synthetic) vocabulary: a model
 * llama.cpp loads and runs, for tests and benchmarks.
 * @example await writeRandomGptNeoxGguf({path: "tiny.gguf", nEmbd: 64, nLayer: 2, nHead: 4, nFf: 256, contextLength: 256, vocabulary: {tokenizerJson: "tokenizer.json"}})
 */
export async function writeRandomGptNeoxGguf(options: WriteRandomGptNeoxGgufOptions): Promise<WriteRandomGptNeoxGgufResult> {
  return writeRandomGguf(options, {
    shapes: (nVocab) => gptneoxTensorShapes({...options, nVocab}),
    metadata: (nVocab, fileType) => gptneoxArchitectureMetadata({...options, nVocab, fileType}),
    // Norm gains near 1 and non-zero biases (not HF's fresh 1 and 0) so tests comparing two implementations
    // exercise every bias and gain.
    values: (shape, count, std, stream) => {
      const values = randomNormal(count, std, stream);
      if (shape.role === "norm") for (let i = 0; i < count; i++) values[i]! += 1;
      return values;
    }
  });
}
