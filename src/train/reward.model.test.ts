import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ggufMetadataValue, readGguf, REWARD_BIAS_KEY, REWARD_HEAD_KEY, REWARD_MAX_LENGTH_KEY, writeRandomLlamaGguf} from "../gguf/index.js";
import {loadGgufRewardModel} from "../score/gguf-reward-model.js";
import {projectRoot} from "../../test/support/shared.js";
import {finetune} from "./finetune.js";
import {JaxLlamaBackend} from "./jax/jax-llama-backend.js";
import {REWARD_HEAD_TENSOR} from "./reward-batch.js";
import {loadJax, type JaxRuntime} from "./jax/load-jax.js";
import {llamaTensorSpecs} from "./llama-config.js";
import {loadGgufModel} from "./gguf-model.js";
import {loraScale, loraTensorSpecs} from "./lora.js";
import {Random} from "./random.js";
import {toRewardBatch, type RewardRow} from "./reward-batch.js";
import {readRewardPairs} from "./reward-data.js";
import {pairRewards} from "./reward-head.js";
import type {LlamaConfig} from "./llama-config.js";

let dir: string;
let basePath: string;
let runtime: JaxRuntime;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-reward-"));
  basePath = join(dir, "base.gguf");
  await writeRandomLlamaGguf({
    path: basePath,
    vocabulary: {gguf: join(projectRoot, "models", "h2ogpt-ts-demo.gguf")},
    nEmbd: 32,
    nLayer: 2,
    nHead: 4,
    nHeadKv: 2,
    nFf: 64,
    contextLength: 128,
    type: "F32",
    seed: 5
  });
  runtime = await loadJax();
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

interface Pair {
  readonly question: string;
  readonly chosen: string;
  readonly rejected: string;
}

/** Right answers name the topic; wrong ones are off-topic, so a head on the last hidden state can tell them apart. */
const TOPICS = ["LoRA", "GGUF", "cutoff_len", "prompt types", "llama.cpp", "tokenizers", "checkpoints", "the UI"];
const records = TOPICS.flatMap((topic, i) => [
  {prompt: `What is ${topic}?`, chosen: `${topic} is part of h2ogpt-ts.`, rejected: "The weather is nice today."},
  {question: `Tell me about ${topic}.`, response_j: `It is ${topic}, used by h2ogpt.`, response_k: `Bananas ${i} are yellow.`}
]);

describe("reward models", () => {
  it("head and LoRA gradients of the Bradley-Terry loss match finite differences (jit)", async () => {
    const base = await loadGgufModel(basePath);
    const config = base.config as LlamaConfig;
    const shapes = new Map<string, readonly number[]>(llamaTensorSpecs(config).map((s) => [s.name, s.shape]));
    const targets = ["blk.0.attn_q.weight", "blk.1.ffn_down.weight"];
    const random = new Random(9);
    const trainable = new Map<string, Float32Array>();
    for (const spec of loraTensorSpecs(targets, shapes, 4)) {
      shapes.set(spec.name, spec.shape);
      // B is not zero, so A's gradient is not zero either.
      trainable.set(spec.name, Float32Array.from({length: spec.shape[0]! * spec.shape[1]!}, () => 0.3 * random.normal()));
    }
    trainable.set(REWARD_HEAD_TENSOR, Float32Array.from({length: 32}, () => 0.5 * random.normal()));
    shapes.set(REWARD_HEAD_TENSOR, [32]);
    const backend = new JaxLlamaBackend({
      runtime,
      config,
      frozen: base.tensors,
      trainable,
      shapes,
      lora: {targets: new Set(targets), scale: loraScale({rank: 4, alpha: 8}), dropout: 0},
      jit: true,
      reward: true
    });
    const rows: RewardRow[] = [
      {inputIds: [1, 50, 60, 70, 80], labels: [1, 50, 60, 70, 80], rejectedIds: [1, 50, 61, 71]},
      {inputIds: [1, 90, 91], labels: [1, 90, 91], rejectedIds: [1, 92, 93, 94, 95, 96]}
    ];
    const batch = toRewardBatch(rows, {multipleOf: 8, batchSize: 3});
    const analytic = await backend.lossAndGrads(batch);
    expect(analytic.tokens).toBe(2);
    const lossAt = async (name: string, index: number, delta: number) => {
      const moved = Float32Array.from(trainable.get(name)!);
      moved[index]! += delta;
      await backend.setTrainable(new Map([...trainable, [name, moved]]));
      return (await backend.loss(batch)).lossSum;
    };
    const h = 2e-2;
    for (const name of [REWARD_HEAD_TENSOR, "blk.0.attn_q.weight.lora_a", "blk.1.ffn_down.weight.lora_b"]) {
      const grad = analytic.grads.get(name)!;
      for (const i of [3, 17]) {
        const d = async (step: number) => ((await lossAt(name, i, step)) - (await lossAt(name, i, -step))) / (2 * step);
        const numeric = (4 * (await d(h / 2)) - (await d(h))) / 3;
        expect(Math.abs(numeric - grad[i]!), `${name}[${i}]: numeric ${numeric} analytic ${grad[i]}`).toBeLessThan(2e-4 + 2e-2 * Math.abs(numeric));
      }
    }
    expect(Math.max(...analytic.grads.get(REWARD_HEAD_TENSOR)!.map(Math.abs))).toBeGreaterThan(1e-3);
    await backend.dispose();
  });

  it.each(["last", "mean"] as const)("training lowers the loss; llama.cpp's scores of the written GGUF equal our forward pass to 1e-3 (%s pooling)", async (pooling) => {
    const dataPath = join(dir, "pairs.jsonl");
    await writeFile(dataPath, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const pairs = await readRewardPairs({dataPath, tokenizer: basePath, promptType: "human_bot", cutoffLen: 64});
    expect(pairs.rows).toHaveLength(16);
    const losses: number[] = [];
    const outputDir = join(dir, `out-${pooling}`);
    const result = await finetune({
      baseModel: basePath,
      rows: pairs.rows,
      outputDir,
      reward: {maxLength: 64, pooling},
      promptType: "human_bot",
      loraTargetModules: ["all-linear"],
      loraDropout: 0,
      microBatchSize: 4,
      batchSize: 8,
      numEpochs: 6,
      learningRate: 1e-2,
      warmupSteps: 0,
      seed: 4,
      onProgress: (p) => losses.push(p.loss)
    });
    expect(losses).toHaveLength(12);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 0.1);
    expect(result.adapterPath).toBeUndefined();
    const file = await readGguf(result.modelPath!);
    const head = ggufMetadataValue(file, REWARD_HEAD_KEY) as number[];
    const bias = ggufMetadataValue(file, REWARD_BIAS_KEY) as number;
    expect(head).toHaveLength(32);
    expect(ggufMetadataValue(file, REWARD_MAX_LENGTH_KEY)).toBe(64);
    expect(ggufMetadataValue(file, "h2ogpt.prompt_type")).toBe("human_bot");
    expect(file.tensors.some((t) => t.name.startsWith("cls"))).toBe(false);
    expect(ggufMetadataValue(file, "llama.pooling_type")).toBe(pooling === "mean" ? 1 : undefined);

    // Our forward pass on the written (merged) weights and head.
    const written = await loadGgufModel(result.modelPath!);
    const shapes = new Map<string, readonly number[]>([...llamaTensorSpecs(written.config as LlamaConfig).map((s) => [s.name, s.shape] as const), [REWARD_HEAD_TENSOR, [32]]]);
    const backend = new JaxLlamaBackend({
      runtime,
      config: written.config,
      frozen: new Map(),
      trainable: new Map([...written.tensors, [REWARD_HEAD_TENSOR, Float32Array.from(head)]]),
      shapes,
      reward: true
    });
    const ours = await pairRewards({rewards: (batch) => backend.rewards(batch), rows: pairs.rows, microBatchSize: 4, multipleOf: 8, pooling});
    await backend.dispose();

    const model = await loadGgufRewardModel({path: result.modelPath!});
    try {
      expect(model.maxLength).toBe(64);
      const texts: Pair[] = records.map((r) =>
        "prompt" in r ? {question: r.prompt!, chosen: r.chosen!, rejected: r.rejected!} : {question: r.question!, chosen: r.response_j!, rejected: r.response_k!}
      );
      const chosen = await model.logits(texts.map((p) => ({question: p.question, answer: p.chosen})));
      const rejected = await model.logits(texts.map((p) => ({question: p.question, answer: p.rejected})));
      records.forEach((_, i) => {
        expect(Math.abs(chosen[i]! - (ours[i]![0] + bias)), `pair ${i} chosen`).toBeLessThan(1e-3);
        expect(Math.abs(rejected[i]! - (ours[i]![1] + bias)), `pair ${i} rejected`).toBeLessThan(1e-3);
      });
      expect(Math.max(...chosen.map((c, i) => Math.abs(c - rejected[i]!)))).toBeGreaterThan(1e-2);
    } finally {
      await model.dispose();
    }
  });
});
