import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {writeRandomGptNeoxGguf} from "../gguf/index.js";
import {llamaCppLogProbs, logSoftmaxRows, maxAbsDifference} from "../../test/train/llama-cpp-log-probs.js";
import {writeLlamaModelGguf, writeLoraAdapterGguf} from "./export-gguf.js";
import {loadGgufModel} from "./gguf-model.js";
import type {GptNeoxConfig} from "./gptneox-config.js";
import {expectFiniteDifferences, TINY_ROWS} from "../../test/train/tiny-training-model.js";
import {JaxLlamaBackend, type JaxLlamaBackendOptions} from "./jax/jax-llama-backend.js";
import {loadJax, type JaxRuntime} from "./jax/load-jax.js";
import {initLoraWeights, loraScale, loraTensorSpecs, mergeLora, resolveLoraTargets} from "./lora.js";
import {toMicroBatch} from "./micro-batch.js";
import {modelTensorSpecs} from "./model-config.js";
import {Random} from "./random.js";

let dir: string;
let runtime: JaxRuntime;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-gptneox-"));
  runtime = await loadJax();
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const tokens = Array.from({length: 24}, (_, i) => ((i * 37 + 11) % 300) + 3);

interface NeoxShape {
  nEmbd: number;
  nHead: number;
  nLayer: number;
  nFf: number;
  nRot?: number;
  useParallelResidual?: boolean;
}

async function randomNeox(name: string, shape: NeoxShape, seed: number) {
  const path = join(dir, `${name}.gguf`);
  // Large weights so the logits spread over several units and a wrong detail would show.
  await writeRandomGptNeoxGguf({path, ...shape, contextLength: 64, type: "F32", seed, initStd: 0.12, vocabulary: {synthetic: 512}});
  return {path, model: await loadGgufModel(path)};
}

const shapesOf = (config: GptNeoxConfig) => new Map<string, readonly number[]>(modelTensorSpecs(config).map((s) => [s.name, s.shape]));

describe("GPT-NeoX forward pass against llama.cpp", () => {
  const cases: Record<string, NeoxShape> = {
    "Pythia's quarter rotary, parallel residual": {nEmbd: 64, nHead: 4, nLayer: 2, nFf: 256},
    "full rotary, sequential residual": {nEmbd: 48, nHead: 3, nLayer: 2, nFf: 96, nRot: 16, useParallelResidual: false}
  };
  for (const [name, shape] of Object.entries(cases))
    it(`gives llama.cpp's next-token log-probabilities (${name}), max abs difference < 1e-3`, async () => {
      const {path, model} = await randomNeox(name.replace(/\W+/g, "-"), shape, 5);
      const config = model.config as GptNeoxConfig;
      expect(config).toMatchObject({architecture: "gptneox", ropeDims: shape.nRot ?? shape.nEmbd / shape.nHead / 4, useParallelResidual: shape.useParallelResidual ?? true});
      const backend = new JaxLlamaBackend({runtime, config, frozen: model.tensors, trainable: new Map(), shapes: shapesOf(config)});
      const ours = logSoftmaxRows(await backend.logits(Int32Array.from(tokens)), config.vocabSize);
      await backend.dispose();
      const theirs = await llamaCppLogProbs({modelPath: path, tokens});
      expect(maxAbsDifference(ours, theirs)).toBeLessThan(1e-3);
      expect(Math.max(...ours[5]!) - Math.min(...ours[5]!)).toBeGreaterThan(1);
    });

  it("exports a LoRA adapter (query_key_value, dense, MLP) llama.cpp applies as we do, and a merged model that matches", async () => {
    const {path, model} = await randomNeox("lora-base", {nEmbd: 64, nHead: 4, nLayer: 2, nFf: 128}, 6);
    const config = model.config as GptNeoxConfig;
    const shapes = shapesOf(config);
    const targets = resolveLoraTargets(["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"], config);
    expect(targets.slice(0, 4)).toEqual(["blk.0.attn_qkv.weight", "blk.0.attn_output.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight"]);
    const rank = 4;
    const alpha = 8;
    const specs = loraTensorSpecs(targets, shapes, rank);
    const adapters = initLoraWeights(specs, new Random(9));
    const random = new Random(10);
    for (const spec of specs) if (spec.name.endsWith(".lora_b")) adapters.get(spec.name)!.forEach((_, i, b) => (b[i] = 0.2 * random.normal()));
    for (const spec of specs) shapes.set(spec.name, spec.shape);

    const backend = new JaxLlamaBackend({
      runtime, config, frozen: model.tensors, trainable: adapters, shapes,
      lora: {targets: new Set(targets), scale: loraScale({rank, alpha}), dropout: 0}
    });
    const ours = logSoftmaxRows(await backend.logits(Int32Array.from(tokens)), config.vocabSize);
    await backend.dispose();

    const adapterPath = join(dir, "adapter.gguf");
    await writeLoraAdapterGguf({path: adapterPath, alpha, adapters, shapes, architecture: "gptneox"});
    const base = await llamaCppLogProbs({modelPath: path, tokens});
    const withAdapter = await llamaCppLogProbs({modelPath: path, tokens, lora: adapterPath});
    expect(maxAbsDifference(base, withAdapter)).toBeGreaterThan(0.1);
    expect(maxAbsDifference(ours, withAdapter)).toBeLessThan(1e-3);

    const mergedPath = join(dir, "merged.gguf");
    const merged = mergeLora({base: model.tensors, adapters, shapes, targets, rank, scale: loraScale({rank, alpha})});
    await writeLlamaModelGguf({path: mergedPath, config, metadata: model.metadata, tensors: merged, type: "F32"});
    expect(maxAbsDifference(ours, await llamaCppLogProbs({modelPath: mergedPath, tokens}))).toBeLessThan(1e-3);
  });
});

describe("GPT-NeoX gradients", () => {
  const batch = toMicroBatch(TINY_ROWS);

  /** On the smooth GeLU: ggml's float16 rounding is a step function, its gradient passes straight through. */
  const expectNeoxFiniteDifferences = (backend: Omit<JaxLlamaBackendOptions, "runtime">, names: readonly string[]) =>
    expectFiniteDifferences({runtime, batch, backend: {...backend, smoothGelu: true}, names});

  const tiny: GptNeoxConfig = {
    architecture: "gptneox", vocabSize: 29, embeddingLength: 16, blockCount: 2, feedForwardLength: 24, headCount: 2,
    contextLength: 32, ropeDims: 4, ropeFreqBase: 10000, layerNormEps: 1e-5, useParallelResidual: true, tiedEmbeddings: false
  };
  function randomWeights(config: GptNeoxConfig, seed: number): Map<string, Float32Array> {
    const random = new Random(seed);
    return new Map(
      modelTensorSpecs(config).map((spec) => {
        const gain = /norm\.weight$/.test(spec.name) ? 1 : 0;
        return [spec.name, Float32Array.from({length: spec.shape.reduce((a, b) => a * b, 1)}, () => gain + 0.3 * random.normal())];
      })
    );
  }

  it("full fine-tuning gradients (weights, biases, norms, embedding) match finite differences, parallel and sequential residual", async () => {
    const checks = {
      parallel: ["token_embd.weight", "blk.0.attn_norm.bias", "blk.0.attn_qkv.weight", "blk.1.attn_qkv.bias", "blk.1.ffn_down.weight", "output_norm.bias", "output.weight"],
      sequential: ["blk.0.ffn_norm.weight", "blk.1.attn_output.bias", "blk.0.ffn_up.bias"]
    };
    for (const [residual, names] of Object.entries(checks)) {
      const config = {...tiny, useParallelResidual: residual === "parallel"};
      await expectNeoxFiniteDifferences({config, frozen: new Map(), trainable: randomWeights(config, 1), shapes: shapesOf(config), jit: true}, names);
    }
  });

  it("LoRA gradients on query_key_value and the MLP match finite differences", async () => {
    const shapes = shapesOf(tiny);
    const targets = resolveLoraTargets(["query_key_value", "dense_4h_to_h"], tiny);
    const specs = loraTensorSpecs(targets, shapes, 2);
    for (const spec of specs) shapes.set(spec.name, spec.shape);
    const adapters = initLoraWeights(specs, new Random(4));
    const random = new Random(5);
    for (const spec of specs) if (spec.name.endsWith(".lora_b")) adapters.get(spec.name)!.forEach((_, i, b) => (b[i] = 0.3 * random.normal()));
    await expectNeoxFiniteDifferences(
      {config: tiny, frozen: randomWeights(tiny, 2), trainable: adapters, shapes, lora: {targets: new Set(targets), scale: 2, dropout: 0}, jit: true},
      ["blk.0.attn_qkv.weight.lora_a", "blk.1.attn_qkv.weight.lora_b", "blk.0.ffn_down.weight.lora_b"]
    );
  });
});
