import type {LoraState} from "./checkpoint.js";
import type {LoadedModel} from "./gguf-model.js";
import {initLoraWeights, loraTensorSpecs, resolveLoraTargets} from "./lora.js";
import {modelTensorSpecs} from "./model-config.js";
import type {Random} from "./random.js";

/** Which tensors train and which stay fixed, with every tensor's row-major shape. */
export interface TrainableSetup {
  readonly mode: "full" | "lora";
  readonly trainable: Map<string, Float32Array>;
  readonly frozen: Map<string, Float32Array>;
  readonly shapes: Map<string, readonly number[]>;
  readonly lora?: LoraState;
}

export function setupTrainable(options: {
  readonly model: LoadedModel;
  readonly full: boolean;
  readonly lora: {rank: number; alpha: number; dropout: number; targetModules: readonly string[]};
  readonly random: Random;
}): TrainableSetup {
  const {model} = options;
  const shapes = new Map<string, readonly number[]>(modelTensorSpecs(model.config).map((s) => [s.name, s.shape]));
  if (options.full) {
    // Copies: the optimizer updates in place and the loaded base must stay the base.
    const trainable = new Map([...model.tensors].map(([name, value]) => [name, Float32Array.from(value)]));
    return {mode: "full", trainable, frozen: new Map(), shapes};
  }
  const targets = resolveLoraTargets(options.lora.targetModules, model.config);
  const specs = loraTensorSpecs(targets, shapes, options.lora.rank);
  for (const spec of specs) shapes.set(spec.name, spec.shape);
  return {
    mode: "lora",
    trainable: initLoraWeights(specs, options.random),
    frozen: model.tensors,
    shapes,
    lora: {rank: options.lora.rank, alpha: options.lora.alpha, dropout: options.lora.dropout, targets}
  };
}

/** Hugging Face's Trainer decays every weight except biases and norm weights. */
export function decaysWeight(name: string): boolean {
  return !/norm\.weight$|\.bias$/.test(name);
}
