import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {readGguf, readGgufTensorBytes, REWARD_BIAS_KEY, REWARD_HEAD_KEY, REWARD_MAX_LENGTH_KEY, writeGguf, writeRandomLlamaGguf} from "../gguf/index.js";
import {loadScoreModel, scorePairs} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "load-score-model-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** A tiny random llama GGUF with `extra` metadata added. */
async function llamaWith(name: string, extra: Parameters<typeof writeGguf>[1]["metadata"]): Promise<string> {
  const base = join(dir, `${name}-base.gguf`);
  await writeRandomLlamaGguf({path: base, seed: 3, nEmbd: 32, nFf: 64, nLayer: 1, nHead: 2, contextLength: 64, type: "F32", vocabulary: {synthetic: 512}});
  const file = await readGguf(base);
  const path = join(dir, `${name}.gguf`);
  await writeGguf(path, {
    metadata: {...file.metadata, ...extra},
    tensors: await Promise.all(file.tensors.map(async (tensor) => ({name: tensor.name, dims: tensor.dims, type: tensor.type, data: await readGgufTensorBytes(file, tensor.name)})))
  });
  return path;
}

describe("loadScoreModel dispatch", () => {
  it("sends a GGUF with a reward head to the GGUF reward backend, whose scores are deterministic numbers", async () => {
    const reward = await llamaWith("reward", {
      [REWARD_HEAD_KEY]: {type: "array", value: {itemType: "f32", items: Array.from({length: 32}, (_, i) => Math.sin(i))}},
      [REWARD_BIAS_KEY]: {type: "f32", value: 0.25},
      [REWARD_MAX_LENGTH_KEY]: {type: "u32", value: 48}
    });
    const model = await loadScoreModel({path: reward});
    try {
      expect(model.name).toBe(reward);
      expect(model.maxLength).toBe(48);
      const pairs = [{question: "What is it?", answer: "A reward model."}, {question: "What is it?", answer: "Something else entirely."}];
      const first = await scorePairs({model, pairs});
      const again = await scorePairs({model, pairs});
      expect(first).toEqual(again);
      for (const outcome of first) expect(typeof outcome === "number" && outcome > 0 && outcome < 1).toBe(true);
      expect(first[0]).not.toBe(first[1]);
    } finally {
      await model.dispose();
    }
  });

  it("refuses a reward GGUF whose llama.cpp pooling is not one a reward head was trained on", async () => {
    const cls = await llamaWith("reward-cls", {
      [REWARD_HEAD_KEY]: {type: "array", value: {itemType: "f32", items: Array.from({length: 32}, () => 0.1)}},
      "llama.pooling_type": {type: "u32", value: 2}
    });
    await expect(loadScoreModel({path: cls})).rejects.toThrow(`${cls}: llama.pooling_type 2: a reward model pools the last token (0 or 3) or the mean (1)`);
  });

  it("sends a GGUF with rank pooling to llama.cpp's ranking context (a llama model cannot rank: one line says so)", async () => {
    const rank = await llamaWith("rank", {"llama.pooling_type": {type: "u32", value: 4}});
    await expect(loadScoreModel({path: rank})).rejects.toThrow(new RegExp(`^${rank.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not usable as a reranker \\(`));
  });

  it("'default' is the shipped models/h2ogpt-ts-reward.gguf, or says how to make it", async () => {
    const attempt = loadScoreModel({path: "default"});
    const model = await attempt.catch((error: Error) => error);
    if (model instanceof Error) {
      expect(model.message).toMatch(/h2ogpt-ts-reward\.gguf: the shipped reward model is missing \(run npm run train:default-reward\)$/);
      return;
    }
    expect(model.name).toBe("default");
    await model.dispose();
  });
});
