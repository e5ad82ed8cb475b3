import {mkdir, mkdtemp, readFile, readdir, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {readGguf, writeRandomLlamaGguf} from "../gguf/index.js";
import {finetune, FinetuneInterruptedError} from "./finetune.js";
import type {FinetuneOptions} from "./finetune-options.js";
import {loadBaseModel} from "./load-base-model.js";
import {readMetrics} from "./metrics.js";

let dir: string;
let basePath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-finetune-"));
  basePath = join(dir, "base.gguf");
  await writeRandomLlamaGguf({path: basePath, nEmbd: 32, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 64, contextLength: 64, type: "F16", seed: 1});
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** A repeating pattern the model can learn quickly; the first 3 tokens are "prompt" (label -100). */
const rows = Array.from({length: 12}, (_, r) => {
  const ids = Array.from({length: 10 + (r % 4)}, (_, t) => 10 + ((r + t * 3) % 20));
  return {inputIds: ids, labels: ids.map((id, t) => (t < 3 ? -100 : id)), split: r < 10 ? ("train" as const) : ("valid" as const)};
});

const common = (outputDir: string): FinetuneOptions => ({
  baseModel: basePath,
  rows,
  outputDir,
  microBatchSize: 2,
  batchSize: 4,
  numEpochs: 2,
  learningRate: 2e-2,
  warmupSteps: 1,
  loraR: 4,
  loraTargetModules: ["q_proj", "v_proj", "down_proj"],
  seed: 3
});

describe("finetune", () => {
  it("trains LoRA adapters, evaluates, and writes metrics, a chart, a checkpoint and adapter.gguf", async () => {
    const outputDir = join(dir, "lora");
    const progress: number[] = [];
    const result = await finetune({...common(outputDir), merge: true, onProgress: (p) => progress.push(p.loss)});
    expect(result.mode).toBe("lora");
    expect(result.steps).toBe(6);
    expect(progress).toHaveLength(6);
    expect(progress.at(-1)!).toBeLessThan(progress[0]! - 0.1);
    expect(result.evalLoss).toBeLessThan(Infinity);
    const files = await readdir(outputDir);
    expect(files).toEqual(expect.arrayContaining(["adapter.gguf", "model.gguf", "metrics.jsonl", "loss.svg", "checkpoint-6", "training_args.json"]));
    const adapter = await readGguf(join(outputDir, "adapter.gguf"));
    expect(adapter.metadata["general.type"]?.value).toBe("adapter");
    expect(adapter.metadata["adapter.type"]?.value).toBe("lora");
    expect(adapter.metadata["adapter.lora.alpha"]?.value).toBe(16);
    expect(adapter.tensors.map((t) => t.name)).toContain("blk.1.ffn_down.weight.lora_b");
    expect(adapter.tensors.find((t) => t.name === "blk.0.attn_q.weight.lora_a")?.dims).toEqual([32, 4]);
    const metrics = await readMetrics(result.metricsPath);
    expect(metrics.filter((m) => m.loss != null).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(metrics.some((m) => m.eval_loss != null)).toBe(true);
    expect(await readFile(result.chartPath, "utf8")).toContain("<polyline");
    // The merged model keeps the base's tokenizer and loads as a base model again.
    const merged = await loadBaseModel(result.modelPath!);
    expect(merged.metadata["tokenizer.ggml.tokens"]).toEqual((await loadBaseModel(basePath)).metadata["tokenizer.ggml.tokens"]);
  });

  it("saves a checkpoint on interruption and resumes on the same loss curve", async () => {
    const straight = await finetune({...common(join(dir, "straight")), loraDropout: 0.1});
    const straightLosses = (await readMetrics(straight.metricsPath)).filter((m) => m.loss != null).map((m) => m.loss!);

    const outputDir = join(dir, "interrupted");
    const controller = new AbortController();
    const interrupted = finetune({
      ...common(outputDir),
      loraDropout: 0.1,
      signal: controller.signal,
      onProgress: (p) => p.step === 3 && controller.abort()
    });
    await expect(interrupted).rejects.toBeInstanceOf(FinetuneInterruptedError);
    await expect(interrupted).rejects.toThrow(`saved ${join(outputDir, "checkpoint-3")}`);

    const resumed = await finetune({...common(outputDir), loraDropout: 0.1, resumeFromCheckpoint: true});
    expect(resumed.steps).toBe(6);
    const resumedLosses = (await readMetrics(resumed.metricsPath)).filter((m) => m.loss != null);
    expect(resumedLosses.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    resumedLosses.forEach((m, i) => expect(Math.abs(m.loss! - straightLosses[i]!)).toBeLessThan(1e-5));

    await expect(finetune({...common(outputDir), learningRate: 1e-3, loraR: 2, resumeFromCheckpoint: join(outputDir, "checkpoint-6")})).rejects.toThrow(
      `--resume_from_checkpoint ${join(outputDir, "checkpoint-6")}: --lora_r: 4 in the checkpoint, 2 now; --learning_rate: 0.02 in the checkpoint, 0.001 now`
    );
  });

  it("full fine-tuning writes model.gguf, and its checkpoint serves as a base model", async () => {
    const outputDir = join(dir, "full");
    const result = await finetune({...common(outputDir), full: true, numEpochs: 1, outputType: "F16", modelName: "tiny full"});
    expect(result.mode).toBe("full");
    const model = await readGguf(result.modelPath!);
    expect(model.metadata["general.name"]?.value).toBe("tiny full");
    expect(model.tensors.find((t) => t.name === "blk.0.attn_q.weight")?.type).toBe("F16");
    expect(model.tensors.find((t) => t.name === "blk.0.attn_norm.weight")?.type).toBe("F32");
    const fromCheckpoint = await loadBaseModel(result.checkpointPath);
    const fromGguf = await loadBaseModel(result.modelPath!);
    const q = fromCheckpoint.tensors.get("blk.0.attn_q.weight")!;
    const qGguf = fromGguf.tensors.get("blk.0.attn_q.weight")!;
    expect(Math.max(...q.map((v, i) => Math.abs(v - qGguf[i]!)))).toBeLessThan(1e-3);
    expect(fromCheckpoint.metadata["tokenizer.ggml.model"]?.value).toBe(fromGguf.metadata["tokenizer.ggml.model"]?.value);
  });

  it("refuses bad settings, an existing output folder and out-of-vocabulary ids with one-line errors", async () => {
    await expect(finetune({...common(join(dir, "bad")), microBatchSize: 0})).rejects.toThrow("--micro_batch_size: expected a positive integer");
    const used = join(dir, "used");
    await mkdir(used, {recursive: true});
    await writeFile(join(used, "notes.txt"), "not ours");
    await expect(finetune({...common(used)})).rejects.toThrow("already exists and is not empty");
    await expect(finetune({...common(join(dir, "oov")), rows: [{inputIds: [1, 99999], labels: [1, 99999]}]})).rejects.toThrow(
      "train row 1: token id 99999 is outside the base model's vocabulary"
    );
    await expect(finetune({...common(join(dir, "masked")), rows: [{inputIds: [1, 2], labels: [-100, -100]}]})).rejects.toThrow(
      "no row has a token to train on"
    );
  });
});
