import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {randomLlamaWeights, tinyLlamaConfig, TINY_ROWS} from "../../../test/train/tiny-training-model.js";
import {writeRandomLlamaGguf} from "../../gguf/index.js";
import {finetune} from "../finetune.js";
import {JaxLlamaBackend} from "../jax/jax-llama-backend.js";
import {loadJax, type JaxRuntime} from "../jax/load-jax.js";
import type {GptNeoxConfig} from "../gptneox-config.js";
import {initLoraWeights, loraScale, loraTensorSpecs} from "../lora.js";
import {toMicroBatch} from "../micro-batch.js";
import type {LossAndGrads, MicroBatch, ModelBackend} from "../model-backend.js";
import {modelTensorSpecs} from "../model-config.js";
import {Random} from "../random.js";
import {TrainingMemoryError} from "../train-errors.js";
import type {LlamaConfig} from "../llama-config.js";
import {REWARD_HEAD_TENSOR, toRewardBatch} from "../reward-batch.js";
import {createOrtLlamaBackend, type OrtLlamaBackend, type OrtLlamaBackendOptions} from "./ort-llama-backend.js";

// TINY_ROWS padded with a fully padded third row.
const batch: MicroBatch = toMicroBatch(TINY_ROWS, {batchSize: 3});

let runtime: JaxRuntime;
const open: ModelBackend[] = [];
beforeAll(async () => {
  runtime = await loadJax({threads: 1});
});
afterAll(async () => {
  await Promise.all(open.map((backend) => backend.dispose()));
});

async function both(options: Omit<OrtLlamaBackendOptions, "threads" | "memoryLimitBytes">): Promise<[ModelBackend, ModelBackend]> {
  const jax = new JaxLlamaBackend({runtime, ...options, jit: false});
  const ort = await createOrtLlamaBackend({...options, threads: 1});
  open.push(jax, ort);
  return [jax, ort];
}

/** Every gradient entry within 1e-4 of the largest magnitude of that tensor's jax gradient (float32 on both sides). */
function expectSameGradients(expected: LossAndGrads, actual: LossAndGrads, names: readonly string[]): void {
  expect(actual.tokens).toBe(expected.tokens);
  expect(Math.abs(actual.lossSum - expected.lossSum)).toBeLessThan(1e-4 * Math.abs(expected.lossSum));
  expect([...actual.grads.keys()].sort()).toEqual([...names].sort());
  for (const name of names) {
    const want = expected.grads.get(name)!;
    const got = actual.grads.get(name)!;
    expect(got.length, name).toBe(want.length);
    const largest = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(largest, name).toBeGreaterThan(0);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst / largest, name).toBeLessThan(1e-4);
  }
}

describe("OrtLlamaBackend (onnxruntime, hand-written backward)", () => {
  it("full fine-tuning: loss, every gradient and logits equal the jax backend's (untied head, GQA, loss mask)", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 1);
    const [jax, ort] = await both({config, frozen: new Map(), trainable: weights, shapes});
    expectSameGradients(await jax.lossAndGrads(batch), await ort.lossAndGrads(batch), [...weights.keys()]);
    expect(Math.abs((await ort.loss(batch)).lossSum - (await jax.loss(batch)).lossSum)).toBeLessThan(1e-4 * (await jax.loss(batch)).lossSum);
    const tokens = Int32Array.of(4, 8, 15, 16, 23, 28);
    const want = await jax.logits(tokens);
    const got = await ort.logits(tokens);
    expect(got.length).toBe(6 * config.vocabSize);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[i]!)));
  });

  it("full fine-tuning with a tied head: the embedding gradient adds the head's and the lookup's", async () => {
    const config = tinyLlamaConfig(true);
    const {weights, shapes} = randomLlamaWeights(config, 2);
    const [jax, ort] = await both({config, frozen: new Map(), trainable: weights, shapes});
    expectSameGradients(await jax.lossAndGrads(batch), await ort.lossAndGrads(batch), [...weights.keys()]);
  });

  for (const dropout of [0, 0.1]) {
    it(`LoRA adapters on attention, MLP and the head, dropout ${dropout}: gradients equal the jax backend's`, async () => {
      const config = tinyLlamaConfig(false);
      const {weights, shapes} = randomLlamaWeights(config, 3);
      const targets = ["blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.1.attn_v.weight", "blk.1.attn_output.weight", "blk.0.ffn_gate.weight", "blk.1.ffn_down.weight", "output.weight"];
      const specs = loraTensorSpecs(targets, shapes, 4);
      const adapters = initLoraWeights(specs, new Random(4));
      // Non-zero B so A's gradient is not trivially zero.
      for (const spec of specs) if (spec.name.endsWith("lora_b")) adapters.get(spec.name)!.forEach((_, i, a) => (a[i] = 0.3 * Math.sin(i + 1)));
      for (const spec of specs) shapes.set(spec.name, spec.shape);
      const lora = {targets: new Set(targets), scale: loraScale({rank: 4, alpha: 8}), dropout};
      const [jax, ort] = await both({config, frozen: weights, trainable: adapters, shapes, lora});
      const seed = dropout > 0 ? {dropoutSeed: 11} : {};
      expectSameGradients(await jax.lossAndGrads(batch, seed), await ort.lossAndGrads(batch, seed), specs.map((s) => s.name));
    });
  }
});

describe("OrtLlamaBackend reward models (Bradley-Terry loss on a scalar head)", () => {
  // Two pairs of different lengths plus a padding pair (no marked token: it must add nothing).
  const pairs = [
    {inputIds: [1, 5, 9, 13, 17, 21, 25], labels: [], rejectedIds: [1, 5, 9, 2]},
    {inputIds: [3, 7, 11], labels: [], rejectedIds: [3, 7, 11, 15, 19, 23, 27, 4, 8]}
  ];
  const rewardBatch = toRewardBatch(pairs, {multipleOf: 4, batchSize: 3});

  function withHead(weights: Map<string, Float32Array>, shapes: Map<string, readonly number[]>, config: LlamaConfig, seed: number): void {
    const random = new Random(seed);
    weights.set(REWARD_HEAD_TENSOR, Float32Array.from({length: config.embeddingLength}, () => 0.5 * random.normal()));
    shapes.set(REWARD_HEAD_TENSOR, [config.embeddingLength]);
  }

  async function expectSameRewards(jax: ModelBackend, ort: ModelBackend): Promise<void> {
    const want = await (jax as JaxLlamaBackend).rewards(rewardBatch);
    const got = await (ort as OrtLlamaBackend).rewards(rewardBatch);
    expect(got.length).toBe(6);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `row ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(want[i]!)));
    expect(Math.abs((await ort.loss(rewardBatch)).lossSum - (await jax.loss(rewardBatch)).lossSum)).toBeLessThan(1e-4);
  }

  it("full: loss, rewards and every gradient equal the jax backend's; the unused untied head's gradient is zero", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 5);
    withHead(weights, shapes, config, 6);
    const [jax, ort] = await both({config, frozen: new Map(), trainable: weights, shapes, reward: true});
    await expectSameRewards(jax, ort);
    const expected = await jax.lossAndGrads(rewardBatch);
    const actual = await ort.lossAndGrads(rewardBatch);
    expect(actual.tokens).toBe(2);
    for (const result of [expected, actual]) expect(result.grads.get("output.weight")!.every((v) => v === 0)).toBe(true);
    const omit = (result: LossAndGrads): LossAndGrads => ({...result, grads: new Map([...result.grads].filter(([name]) => name !== "output.weight"))});
    expectSameGradients(omit(expected), omit(actual), [...weights.keys()].filter((name) => name !== "output.weight"));
  });

  it("LoRA with dropout and a tied embedding: the head's and the adapters' gradients equal the jax backend's", async () => {
    const config = tinyLlamaConfig(true);
    const {weights, shapes} = randomLlamaWeights(config, 7);
    const targets = ["blk.0.attn_q.weight", "blk.1.attn_v.weight", "blk.0.attn_output.weight", "blk.1.ffn_up.weight"];
    const specs = loraTensorSpecs(targets, shapes, 4);
    const trainable = initLoraWeights(specs, new Random(8));
    for (const spec of specs) if (spec.name.endsWith("lora_b")) trainable.get(spec.name)!.forEach((_, i, a) => (a[i] = 0.3 * Math.cos(i + 1)));
    for (const spec of specs) shapes.set(spec.name, spec.shape);
    withHead(trainable, shapes, config, 9);
    const lora = {targets: new Set(targets), scale: loraScale({rank: 4, alpha: 8}), dropout: 0.1};
    const [jax, ort] = await both({config, frozen: weights, trainable, shapes, lora, reward: true});
    await expectSameRewards(jax, ort);
    expectSameGradients(await jax.lossAndGrads(rewardBatch, {dropoutSeed: 3}), await ort.lossAndGrads(rewardBatch, {dropoutSeed: 3}), [...trainable.keys()]);
  });
});

function neoxConfig(parallel: boolean, ropeDims: number): GptNeoxConfig {
  return {
    architecture: "gptneox",
    vocabSize: 29,
    embeddingLength: 16,
    blockCount: 2,
    feedForwardLength: 32,
    headCount: 2,
    contextLength: 32,
    ropeDims,
    ropeFreqBase: 10000,
    layerNormEps: 1e-5,
    useParallelResidual: parallel,
    tiedEmbeddings: false
  };
}

function randomNeoxWeights(config: GptNeoxConfig, seed: number): {weights: Map<string, Float32Array>; shapes: Map<string, readonly number[]>} {
  const random = new Random(seed);
  const weights = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const spec of modelTensorSpecs(config)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const draw = spec.name.endsWith(".bias") ? () => 0.1 * random.normal() : spec.shape.length === 1 ? () => 1 + 0.2 * random.normal() : () => 0.4 * random.normal();
    weights.set(spec.name, Float32Array.from({length: n}, draw));
    shapes.set(spec.name, spec.shape);
  }
  return {weights, shapes};
}

describe("OrtLlamaBackend on GPT-NeoX", () => {
  it("full: loss and every gradient (biases, LayerNorm gains) equal jax's (quarter rotary, parallel residual, smooth GeLU)", async () => {
    const config = neoxConfig(true, 2);
    const {weights, shapes} = randomNeoxWeights(config, 7);
    const [jax, ort] = await both({config, frozen: new Map(), trainable: weights, shapes, smoothGelu: true});
    expectSameGradients(await jax.lossAndGrads(batch), await ort.lossAndGrads(batch), [...weights.keys()]);
  });

  it("LoRA on query_key_value, dense, the MLP and the head with dropout: gradients equal jax's (full rotary, sequential residual)", async () => {
    const config = neoxConfig(false, 8);
    const {weights, shapes} = randomNeoxWeights(config, 8);
    const targets = ["blk.0.attn_qkv.weight", "blk.1.attn_output.weight", "blk.0.ffn_up.weight", "blk.1.ffn_down.weight", "output.weight"];
    const specs = loraTensorSpecs(targets, shapes, 4);
    const adapters = initLoraWeights(specs, new Random(9));
    for (const spec of specs) if (spec.name.endsWith("lora_b")) adapters.get(spec.name)!.forEach((_, i, a) => (a[i] = 0.3 * Math.sin(i + 1)));
    for (const spec of specs) shapes.set(spec.name, spec.shape);
    const lora = {targets: new Set(targets), scale: loraScale({rank: 4, alpha: 8}), dropout: 0.1};
    const [jax, ort] = await both({config, frozen: weights, trainable: adapters, shapes, lora, smoothGelu: true});
    expectSameGradients(await jax.lossAndGrads(batch, {dropoutSeed: 5}), await ort.lossAndGrads(batch, {dropoutSeed: 5}), specs.map((s) => s.name));
  });

  it("with ggml's float16 rounding around GeLU, logits and loss equal jax's", async () => {
    const config = neoxConfig(true, 2);
    const {weights, shapes} = randomNeoxWeights(config, 10);
    const [jax, ort] = await both({config, frozen: new Map(), trainable: weights, shapes});
    const tokens = Int32Array.of(4, 8, 15, 16, 23, 28);
    const want = await jax.logits(tokens);
    const got = await ort.logits(tokens);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(want[i]!)));
    const [a, b] = [(await jax.lossAndGrads(batch)).lossSum, (await ort.lossAndGrads(batch)).lossSum];
    expect(Math.abs(a - b)).toBeLessThan(1e-4 * a);
  });
});

describe("OrtLlamaBackend memory check", () => {
  it("refuses a micro-batch shape whose step would exceed the limit, before onnxruntime allocates", async () => {
    const config = tinyLlamaConfig(false);
    const {weights, shapes} = randomLlamaWeights(config, 6);
    const backend = await createOrtLlamaBackend({config, frozen: new Map(), trainable: weights, shapes, threads: 1, memoryLimitBytes: 1e6});
    open.push(backend);
    const big = toMicroBatch([{inputIds: Array.from({length: 65}, (_, i) => i % 29), labels: Array.from({length: 65}, (_, i) => i % 29)}], {batchSize: 2});
    const error = await backend.lossAndGrads(big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingMemoryError);
    expect((error as Error).message).toBe(
      "out of memory: a micro-batch of 2 rows of up to 64 tokens needs more than the 0.00093 GiB onnxruntime may use (it needs about 0.0016 GiB); " +
        "lower --micro_batch_size or --cutoff_len, or raise --pad_to_multiple_of so fewer batch shapes are kept"
    );
    expect((await backend.loss(batch)).tokens).toBe(10);
  });
});

describe("finetune --train_backend=onnxruntime", () => {
  it("trains on the same loss curve as jax, and the loss decreases", async () => {
    const dir = await mkdtemp(join(tmpdir(), "h2ogpt-ort-finetune-"));
    try {
      const baseModel = join(dir, "base.gguf");
      await writeRandomLlamaGguf({path: baseModel, nEmbd: 32, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 64, contextLength: 64, type: "F32", seed: 1});
      const trainRows = Array.from({length: 8}, (_, r) => {
        const ids = Array.from({length: 10 + (r % 4)}, (_, t) => 10 + ((r + t * 3) % 20));
        return {inputIds: ids, labels: ids.map((id, t) => (t < 3 ? -100 : id))};
      });
      const curves: Record<string, number[]> = {};
      for (const trainBackend of ["onnxruntime", "jax"] as const) {
        const losses: number[] = [];
        const result = await finetune({
          baseModel,
          rows: trainRows,
          outputDir: join(dir, trainBackend),
          full: true,
          microBatchSize: 2,
          batchSize: 4,
          numEpochs: 3,
          learningRate: 1e-2,
          warmupSteps: 1,
          threads: 1,
          trainBackend,
          onProgress: (p) => losses.push(p.loss)
        });
        expect(result.trainBackend).toBe(trainBackend);
        curves[trainBackend] = losses;
      }
      const [ort, jax] = [curves.onnxruntime!, curves.jax!];
      expect(ort).toHaveLength(6);
      expect(ort.at(-1)!).toBeLessThan(ort[0]! - 0.5);
      for (let i = 0; i < ort.length; i++) expect(Math.abs(ort[i]! - jax[i]!), `step ${i + 1}`).toBeLessThan(2e-3 * jax[i]!);
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });
});
