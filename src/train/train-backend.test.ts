import {describe, expect, it} from "vitest";
import {UsageError} from "../errors/index.js";
import {chooseTrainBackend} from "./train-backend.js";

describe("chooseTrainBackend", () => {
  it("defaults to onnxruntime (reward training too) and keeps the one asked for", () => {
    expect(chooseTrainBackend({})).toBe("onnxruntime");
    expect(chooseTrainBackend({requested: "jax"})).toBe("jax");
    expect(chooseTrainBackend({requested: "onnxruntime"})).toBe("onnxruntime");
  });

  it("refuses unknown names", () => {
    expect(() => chooseTrainBackend({requested: "torch" as "jax"})).toThrow(UsageError);
    expect(() => chooseTrainBackend({requested: "torch" as "jax"})).toThrow("--train_backend: expected jax or onnxruntime, got 'torch'");
  });
});
