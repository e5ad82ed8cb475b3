import {expect} from "vitest";
import {JaxLlamaBackend, type JaxLlamaBackendOptions} from "../../src/train/jax/jax-llama-backend.js";
import type {JaxRuntime} from "../../src/train/jax/load-jax.js";
import {llamaTensorSpecs, type LlamaConfig} from "../../src/train/llama-config.js";
import type {TrainRow} from "../../src/train/micro-batch.js";
import type {MicroBatch} from "../../src/train/model-backend.js";
import {Random} from "../../src/train/random.js";

/** What the backend tests train on: tiny models and rows with masked prompt positions and a shorter padded row. */

/** Tiny llama with grouped-query attention (4 query heads on 2 kv heads); `tied` switches the head to token_embd. */
export function tinyLlamaConfig(tied: boolean): LlamaConfig {
  return {
    vocabSize: 29,
    embeddingLength: 16,
    blockCount: 2,
    feedForwardLength: 24,
    headCount: 4,
    headCountKv: 2,
    contextLength: 32,
    rmsNormEps: 1e-5,
    ropeFreqBase: 10000,
    attentionScale: 0,
    tiedEmbeddings: tied
  };
}

/** Random weights of a tiny llama (norm gains near 1), and their shapes. */
export function randomLlamaWeights(config: LlamaConfig, seed: number): {weights: Map<string, Float32Array>; shapes: Map<string, readonly number[]>} {
  const random = new Random(seed);
  const weights = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const spec of llamaTensorSpecs(config)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    weights.set(spec.name, Float32Array.from({length: n}, () => (spec.shape.length === 1 ? 1 + 0.2 * random.normal() : 0.4 * random.normal())));
    shapes.set(spec.name, spec.shape);
  }
  return {weights, shapes};
}

/** Masked prompt positions and a shorter, padded second row (token ids below 29). */
export const TINY_ROWS: readonly TrainRow[] = [
  {inputIds: [1, 5, 9, 13, 17, 21, 25, 2, 6], labels: [-100, -100, -100, 13, 17, 21, 25, 2, 6]},
  {inputIds: [3, 7, 11, 15, 19], labels: [3, 7, 11, 15, 19]}
];

/**
 * Compares two sampled entries of each named gradient with a Richardson-extrapolated central difference (error
 * O(h^4)), in float32 on the jax backend the trainer runs, so the JS embedding scatter and the LoRA chain rule are
 * covered.
 */
export async function expectFiniteDifferences(options: {
  readonly runtime: JaxRuntime;
  readonly batch: MicroBatch;
  readonly backend: Omit<JaxLlamaBackendOptions, "runtime">;
  readonly names: readonly string[];
}): Promise<void> {
  const {batch, names} = options;
  const backend = new JaxLlamaBackend({runtime: options.runtime, ...options.backend});
  const analytic = await backend.lossAndGrads(batch);
  const values = new Map([...options.backend.trainable].map(([name, value]) => [name, Float32Array.from(value)]));
  const lossAt = async (name: string, index: number, delta: number) => {
    const moved = Float32Array.from(values.get(name)!);
    moved[index]! += delta;
    await backend.setTrainable(new Map([...values, [name, moved]]));
    return (await backend.loss(batch)).lossSum;
  };
  const random = new Random(3);
  const h = 2e-2;
  for (const name of names) {
    const grad = analytic.grads.get(name)!;
    expect(grad, name).toBeDefined();
    for (let trial = 0; trial < 2; trial++) {
      const i = Math.floor(random.next() * grad.length);
      const d = async (step: number) => ((await lossAt(name, i, step)) - (await lossAt(name, i, -step))) / (2 * step);
      const numeric = (4 * (await d(h / 2)) - (await d(h))) / 3;
      expect(Math.abs(numeric - grad[i]!), `${name}[${i}]: numeric ${numeric} analytic ${grad[i]}`).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
    }
  }
  await backend.dispose();
}
