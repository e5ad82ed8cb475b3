import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {llamaArchitectureMetadata, vocabularyMetadata, type GgufValue} from "../gguf/index.js";
import {llamaCppLogProbs, logSoftmaxRows, maxAbsDifference} from "../../test/train/llama-cpp-log-probs.js";
import {writeLlamaModelGguf, writeLoraAdapterGguf} from "./export-gguf.js";
import {loadGgufModel} from "./gguf-model.js";
import {initLlamaWeights} from "./init-llama.js";
import {JaxLlamaBackend} from "./jax/jax-llama-backend.js";
import {loadJax, type JaxRuntime} from "./jax/load-jax.js";
import {llamaHparams, llamaTensorSpecs, type LlamaConfig} from "./llama-config.js";
import {initLoraWeights, loraScale, loraTensorSpecs, mergeLora} from "./lora.js";
import {Random} from "./random.js";

let dir: string;
let runtime: JaxRuntime;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-export-"));
  runtime = await loadJax();
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function randomModel(name: string, config: LlamaConfig): Promise<{path: string; weights: Map<string, Float32Array>; metadata: Record<string, GgufValue>}> {
  const vocabulary = await vocabularyMetadata({synthetic: config.vocabSize});
  const metadata = {
    ...llamaArchitectureMetadata(llamaHparams(config)),
    ...vocabulary.metadata
  };
  // Large weights so the logits spread over several units and a wrong detail would show.
  const weights = initLlamaWeights(config, new Random(config.blockCount * 100 + config.headCountKv), 0.15);
  const path = join(dir, `${name}.gguf`);
  await writeLlamaModelGguf({path, config, metadata, tensors: weights, type: "F32"});
  return {path, weights, metadata};
}

const tokens = Array.from({length: 24}, (_, i) => (i * 37 + 11) % 300 + 3);
const shapesOf = (config: LlamaConfig) => new Map<string, readonly number[]>(llamaTensorSpecs(config).map((s) => [s.name, s.shape]));

describe("our forward pass against llama.cpp", () => {
  const configs: Record<string, LlamaConfig> = {
    "grouped-query attention, untied head": {
      vocabSize: 512, embeddingLength: 64, blockCount: 2, feedForwardLength: 96, headCount: 4, headCountKv: 2,
      contextLength: 64, rmsNormEps: 1e-5, ropeFreqBase: 10000, attentionScale: 0, tiedEmbeddings: false
    },
    "multi-head attention, tied head, another RoPE base": {
      vocabSize: 512, embeddingLength: 48, blockCount: 3, feedForwardLength: 64, headCount: 3, headCountKv: 3,
      contextLength: 64, rmsNormEps: 1e-6, ropeFreqBase: 500000, attentionScale: 0, tiedEmbeddings: true
    }
  };

  for (const [name, config] of Object.entries(configs))
    it(`gives llama.cpp's next-token logits (${name}), max abs difference < 1e-3`, async () => {
      const {path} = await randomModel(name.replace(/\W+/g, "-"), config);
      const loaded = await loadGgufModel(path);
      expect({...loaded.config, rmsNormEps: 0}).toEqual({...config, rmsNormEps: 0});
      expect((loaded.config as LlamaConfig).rmsNormEps).toBeCloseTo(config.rmsNormEps, 10);
      const backend = new JaxLlamaBackend({runtime, config, frozen: loaded.tensors, trainable: new Map(), shapes: shapesOf(config)});
      const ours = logSoftmaxRows(await backend.logits(Int32Array.from(tokens)), config.vocabSize);
      await backend.dispose();
      const theirs = await llamaCppLogProbs({modelPath: path, tokens});
      const difference = maxAbsDifference(ours, theirs);
      expect(difference).toBeLessThan(1e-3);
      // The comparison is meaningful: the distributions are far from uniform.
      expect(Math.max(...ours[5]!) - Math.min(...ours[5]!)).toBeGreaterThan(1);
    });
});

describe("LoRA adapter export", () => {
  it("writes an adapter llama.cpp applies exactly as we do, and a merged model that matches", async () => {
    const config = {
      vocabSize: 512, embeddingLength: 64, blockCount: 2, feedForwardLength: 96, headCount: 4, headCountKv: 2,
      contextLength: 64, rmsNormEps: 1e-5, ropeFreqBase: 10000, attentionScale: 0, tiedEmbeddings: false
    };
    const {path, weights, metadata} = await randomModel("lora-base", config);
    const shapes = shapesOf(config);
    const targets = ["blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.1.attn_k.weight", "blk.1.ffn_down.weight", "output.weight"];
    const rank = 4;
    const alpha = 8;
    const specs = loraTensorSpecs(targets, shapes, rank);
    const adapters = initLoraWeights(specs, new Random(9));
    const random = new Random(10);
    for (const spec of specs) if (spec.name.endsWith(".lora_b")) adapters.get(spec.name)!.forEach((_, i, b) => (b[i] = 0.2 * random.normal()));
    for (const spec of specs) shapes.set(spec.name, spec.shape);

    const backend = new JaxLlamaBackend({
      runtime, config, frozen: weights, trainable: adapters, shapes,
      lora: {targets: new Set(targets), scale: loraScale({rank, alpha}), dropout: 0}
    });
    const ours = logSoftmaxRows(await backend.logits(Int32Array.from(tokens)), config.vocabSize);
    await backend.dispose();

    const adapterPath = join(dir, "adapter.gguf");
    await writeLoraAdapterGguf({path: adapterPath, alpha, adapters, shapes});
    const base = await llamaCppLogProbs({modelPath: path, tokens});
    const withAdapter = await llamaCppLogProbs({modelPath: path, tokens, lora: adapterPath});
    expect(maxAbsDifference(base, withAdapter)).toBeGreaterThan(0.1);
    expect(maxAbsDifference(ours, withAdapter)).toBeLessThan(1e-3);

    const mergedPath = join(dir, "merged.gguf");
    const merged = mergeLora({base: weights, adapters, shapes, targets, rank, scale: loraScale({rank, alpha})});
    await writeLlamaModelGguf({path: mergedPath, config, metadata, tensors: merged, type: "F32"});
    expect(maxAbsDifference(ours, await llamaCppLogProbs({modelPath: mergedPath, tokens}))).toBeLessThan(1e-3);
  });
});
