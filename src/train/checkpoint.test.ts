import {mkdtemp, readdir, rm, writeFile, mkdir} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {listCheckpoints, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type TrainerState} from "./checkpoint.js";
import {readSafetensors, writeSafetensors} from "./safetensors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-ckpt-"));
});
afterEach(async () => {
  await rm(dir, {recursive: true, force: true});
});

const state = (step: number): TrainerState => ({
  version: 1, step, totalSteps: 10, tokensSeen: 5, mode: "lora",
  lora: {rank: 2, alpha: 4, dropout: 0, targets: ["blk.0.attn_q.weight"]},
  baseModel: "/m.gguf",
  config: {vocabSize: 3, embeddingLength: 2, blockCount: 1, feedForwardLength: 2, headCount: 1, headCountKv: 1, contextLength: 4, rmsNormEps: 1e-5, ropeFreqBase: 1e4, attentionScale: 0, tiedEmbeddings: true},
  settings: {seed: 1}
});

describe("safetensors", () => {
  it("round-trips F32 tensors with metadata and an 8-byte aligned data section", async () => {
    const path = join(dir, "t.safetensors");
    await writeSafetensors(path, new Map([["a", {shape: [2, 2], data: new Float32Array([1, 2, 3, 4])}], ["b", {shape: [1], data: new Float32Array([-0.5])}]]), {k: "v"});
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({k: "v"});
    expect(back.tensors.get("a")).toEqual({shape: [2, 2], data: new Float32Array([1, 2, 3, 4])});
    expect([...back.tensors.get("b")!.data]).toEqual([-0.5]);
  });

  it("names the file when it is not safetensors", async () => {
    const path = join(dir, "bad.safetensors");
    await writeFile(path, "nope");
    await expect(readSafetensors(path)).rejects.toThrow(`${path}: not a safetensors file`);
  });
});

describe("checkpoints", () => {
  const params = new Map([["x.lora_a", new Float32Array([1, 2])]]);
  const shapes = new Map([["x.lora_a", [1, 2] as const]]);
  const optimizer = {step: 3, m: new Map([["x.lora_a", new Float32Array([0.1, 0.2])]]), v: new Map([["x.lora_a", new Float32Array([0.3, 0.4])]])};

  it("saves atomically and loads back parameters, moments and state", async () => {
    const path = await saveCheckpoint({outputDir: dir, state: state(3), params, shapes, optimizer});
    expect(path).toBe(join(dir, "checkpoint-3"));
    expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    const loaded = await loadCheckpoint(path);
    expect(loaded.state).toEqual(state(3));
    expect(loaded.params.get("x.lora_a")).toEqual(new Float32Array([1, 2]));
    expect(loaded.shapes.get("x.lora_a")).toEqual([1, 2]);
    expect(loaded.optimizer.step).toBe(3);
    expect(loaded.optimizer.v.get("x.lora_a")).toEqual(new Float32Array([0.3, 0.4]));
  });

  it("keeps the newest save_total_limit checkpoints and ignores incomplete folders", async () => {
    for (const step of [1, 2, 3, 4]) await saveCheckpoint({outputDir: dir, state: state(step), params, shapes, optimizer});
    await mkdir(join(dir, "checkpoint-9"));
    await pruneCheckpoints(dir, 2);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([3, 4]);
  });

  it("explains a folder that is not a checkpoint", async () => {
    await expect(loadCheckpoint(dir)).rejects.toThrow("no trainer_state.json: not a finetune checkpoint");
  });
});
