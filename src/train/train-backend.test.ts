import {describe, expect, it} from "vitest";
import {NotSupportedError, UsageError} from "../errors/index.js";
import type {GptNeoxConfig} from "./gptneox-config.js";
import type {LlamaConfig} from "./llama-config.js";
import {chooseTrainBackend} from "./train-backend.js";

const llama = {vocabSize: 32, embeddingLength: 8, blockCount: 1, feedForwardLength: 16, headCount: 2, headCountKv: 2} as LlamaConfig;
const neox = {...llama, architecture: "gptneox"} as unknown as GptNeoxConfig;

describe("chooseTrainBackend", () => {
  it("defaults to onnxruntime, and to jax for reward training", () => {
    expect(chooseTrainBackend({config: llama, reward: false})).toBe("onnxruntime");
    expect(chooseTrainBackend({config: neox, reward: false})).toBe("onnxruntime");
    expect(chooseTrainBackend({config: llama, reward: true})).toBe("jax");
    expect(chooseTrainBackend({requested: "jax", config: llama, reward: false})).toBe("jax");
  });

  it("refuses onnxruntime for reward training, and unknown names", () => {
    expect(chooseTrainBackend({requested: "jax", config: neox, reward: false})).toBe("jax");
    expect(() => chooseTrainBackend({requested: "onnxruntime", config: llama, reward: true})).toThrow(NotSupportedError);
    expect(() => chooseTrainBackend({requested: "onnxruntime", config: llama, reward: true})).toThrow(/reward/);
    expect(() => chooseTrainBackend({requested: "torch" as "jax", config: llama, reward: false})).toThrow(UsageError);
    expect(() => chooseTrainBackend({requested: "torch" as "jax", config: llama, reward: false})).toThrow("--train_backend: expected jax or onnxruntime, got 'torch'");
  });
});
