import {beforeAll, describe, expect, it} from "vitest";
import {llamaTensorSpecs, type LlamaConfig} from "../llama-config.js";
import {initLoraWeights, loraScale, loraTensorSpecs} from "../lora.js";
import {toMicroBatch, type TrainRow} from "../micro-batch.js";
import type {MicroBatch} from "../model-backend.js";
import {Random} from "../random.js";
import {JaxLlamaBackend, type JaxLlamaBackendOptions} from "./jax-llama-backend.js";
import {loadJax, type JaxRuntime} from "./load-jax.js";

/** Tiny llama with grouped-query attention; `tied` switches the head to token_embd. */
function tinyConfig(tied: boolean): LlamaConfig {
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

function randomWeights(config: LlamaConfig, seed: number): {weights: Map<string, Float32Array>; shapes: Map<string, readonly number[]>} {
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

const rows: TrainRow[] = [
  {inputIds: [1, 5, 9, 13, 17, 21, 25, 2, 6], labels: [-100, -100, -100, 13, 17, 21, 25, 2, 6]},
  {inputIds: [3, 7, 11, 15, 19], labels: [3, 7, 11, 15, 19]}
];
const batch: MicroBatch = toMicroBatch(rows);

let runtime: JaxRuntime;
beforeAll(async () => {
  runtime = await loadJax();
});

/**
 * Compares every sampled gradient entry with a Richardson-extrapolated central difference (error O(h^4)), in
 * float32 on the backend the trainer runs, so the JS embedding scatter and the LoRA chain rule are covered.
 */
async function expectFiniteDifferences(options: Omit<JaxLlamaBackendOptions, "runtime">, names: readonly string[]): Promise<void> {
  const backend = new JaxLlamaBackend({runtime, ...options});
  const analytic = await backend.lossAndGrads(batch);
  const values = new Map([...options.trainable].map(([name, value]) => [name, Float32Array.from(value)]));
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
  backend.dispose();
}

describe("JaxLlamaBackend", () => {
  it("full fine-tuning gradients match finite differences (untied head, jit)", async () => {
    const config = tinyConfig(false);
    const {weights, shapes} = randomWeights(config, 1);
    await expectFiniteDifferences({config, frozen: new Map(), trainable: weights, shapes, jit: true}, [
      "token_embd.weight",
      "blk.0.attn_q.weight",
      "blk.0.attn_k.weight",
      "blk.1.attn_v.weight",
      "blk.1.attn_output.weight",
      "blk.0.ffn_gate.weight",
      "blk.1.ffn_up.weight",
      "blk.0.ffn_down.weight",
      "blk.1.attn_norm.weight",
      "output_norm.weight",
      "output.weight"
    ]);
  });

  it("gradients of a tied embedding (head + lookup) match finite differences, eager", async () => {
    const config = tinyConfig(true);
    const {weights, shapes} = randomWeights(config, 2);
    await expectFiniteDifferences({config, frozen: new Map(), trainable: weights, shapes, jit: false}, ["token_embd.weight", "blk.1.ffn_down.weight"]);
  });

  it("LoRA adapter gradients match finite differences", async () => {
    const config = tinyConfig(false);
    const {weights, shapes} = randomWeights(config, 3);
    const targets = ["blk.0.attn_q.weight", "blk.1.attn_v.weight", "blk.1.ffn_down.weight"];
    const specs = loraTensorSpecs(targets, shapes, 4);
    const adapters = initLoraWeights(specs, new Random(4));
    // Non-zero B so the gradient of A is not trivially zero.
    for (const spec of specs) if (spec.name.endsWith("lora_b")) adapters.get(spec.name)!.forEach((_, i, a) => (a[i] = 0.3 * Math.sin(i + 1)));
    for (const spec of specs) shapes.set(spec.name, spec.shape);
    const lora = {targets: new Set(targets), scale: loraScale({rank: 4, alpha: 8}), dropout: 0.1};
    await expectFiniteDifferences({config, frozen: weights, trainable: adapters, shapes, lora, jit: true}, specs.map((s) => s.name));
  });

  it("ignores masked targets and padding rows exactly", async () => {
    const config = tinyConfig(false);
    const {weights, shapes} = randomWeights(config, 5);
    const backend = new JaxLlamaBackend({runtime, config, frozen: new Map(), trainable: weights, shapes, jit: true});
    const base = await backend.lossAndGrads(batch);
    const changedTargets = Int32Array.from(batch.targets, (t, i) => (batch.lossMask[i] === 0 ? (t + 11) % config.vocabSize : t));
    const changed = await backend.lossAndGrads({...batch, targets: changedTargets});
    expect(changed.lossSum).toBe(base.lossSum);
    for (const [name, grad] of base.grads) expect(changed.grads.get(name), name).toEqual(grad);

    const padded = await backend.lossAndGrads(toMicroBatch([...rows, {inputIds: [4, 8, 12, 16], labels: [-100, -100, -100, -100]}]));
    expect(padded.tokens).toBe(base.tokens);
    expect(padded.lossSum).toBeCloseTo(base.lossSum, 4);
    for (const [name, grad] of base.grads) {
      const other = padded.grads.get(name)!;
      let worst = 0;
      for (let i = 0; i < grad.length; i++) worst = Math.max(worst, Math.abs(other[i]! - grad[i]!));
      expect(worst, name).toBeLessThan(1e-5);
    }
    backend.dispose();
  });

  it("LoRA with B = 0 computes exactly the base model", async () => {
    const config = tinyConfig(false);
    const {weights, shapes} = randomWeights(config, 6);
    const targets = ["blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.1.attn_q.weight", "blk.1.attn_v.weight"];
    const specs = loraTensorSpecs(targets, shapes, 8);
    for (const spec of specs) shapes.set(spec.name, spec.shape);
    const base = new JaxLlamaBackend({runtime, config, frozen: new Map(), trainable: weights, shapes, jit: true});
    const lora = new JaxLlamaBackend({
      runtime,
      config,
      frozen: weights,
      trainable: initLoraWeights(specs, new Random(7)),
      shapes,
      lora: {targets: new Set(targets), scale: 2, dropout: 0.05},
      jit: true
    });
    const tokens = Int32Array.from(rows[0]!.inputIds);
    expect(await lora.logits(tokens)).toEqual(await base.logits(tokens));
    expect((await lora.loss(batch)).lossSum).toBe((await base.loss(batch)).lossSum);
    // The adapter path with dropout adds exactly zero; only the jit's kernel order can differ from eager.
    const withDropout = await lora.lossAndGrads(batch, {dropoutSeed: 1});
    expect(Math.abs(withDropout.lossSum / (await base.loss(batch)).lossSum - 1)).toBeLessThan(1e-6);
    base.dispose();
    lora.dispose();
  });
});
