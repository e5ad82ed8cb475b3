import {beforeAll, describe, expect, it} from "vitest";
import {expectFiniteDifferences, randomLlamaWeights, tinyLlamaConfig, TINY_ROWS} from "../../../test/train/tiny-training-model.js";
import {initLoraWeights, loraScale, loraTensorSpecs} from "../lora.js";
import {toMicroBatch} from "../micro-batch.js";
import type {MicroBatch} from "../model-backend.js";
import {Random} from "../random.js";
import {JaxLlamaBackend} from "./jax-llama-backend.js";
import {loadJax, type JaxRuntime} from "./load-jax.js";

const rows = TINY_ROWS;
const batch: MicroBatch = toMicroBatch(rows);

let runtime: JaxRuntime;
beforeAll(async () => {
  runtime = await loadJax();
});

describe("JaxLlamaBackend", () => {
  it("full fine-tuning gradients match finite differences (untied head, jit)", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 1);
    await expectFiniteDifferences({runtime, batch, backend: {config, frozen: new Map(), trainable: weights, shapes, jit: true}, names: [
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
    ]});
  });

  it("gradients of a tied embedding (head + lookup) match finite differences, eager", async () => {
    const config = tinyLlamaConfig(true);
    const {weights, shapes} = randomLlamaWeights(config, 2);
    await expectFiniteDifferences({runtime, batch, backend: {config, frozen: new Map(), trainable: weights, shapes, jit: false}, names: ["token_embd.weight", "blk.1.ffn_down.weight"]});
  });

  it("LoRA adapter gradients match finite differences", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 3);
    const targets = ["blk.0.attn_q.weight", "blk.1.attn_v.weight", "blk.1.ffn_down.weight"];
    const specs = loraTensorSpecs(targets, shapes, 4);
    const adapters = initLoraWeights(specs, new Random(4));
    // Non-zero B so the gradient of A is not trivially zero.
    for (const spec of specs) if (spec.name.endsWith("lora_b")) adapters.get(spec.name)!.forEach((_, i, a) => (a[i] = 0.3 * Math.sin(i + 1)));
    for (const spec of specs) shapes.set(spec.name, spec.shape);
    const lora = {targets: new Set(targets), scale: loraScale({rank: 4, alpha: 8}), dropout: 0.1};
    await expectFiniteDifferences({runtime, batch, backend: {config, frozen: weights, trainable: adapters, shapes, lora, jit: true}, names: specs.map((s) => s.name)});
  });

  it("ignores masked targets and padding rows exactly", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 5);
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
    await backend.dispose();
  });

  it("LoRA with B = 0 computes exactly the base model", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 6);
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
