import {UsageError} from "../errors/index.js";
import {JaxLlamaBackend, type JaxLoraOptions} from "./jax/jax-llama-backend.js";
import {loadJax} from "./jax/load-jax.js";
import type {MicroBatch, ModelBackend} from "./model-backend.js";
import type {ModelConfig} from "./model-config.js";
import {createOrtLlamaBackend} from "./ort/ort-llama-backend.js";

/** The tensor runtimes `finetune` can train on (`--train_backend`). */
export const TRAIN_BACKENDS = ["jax", "onnxruntime"] as const;
export type TrainBackendName = (typeof TRAIN_BACKENDS)[number];

/** A backend; both score reward micro-batches too (made with `reward`). */
export type TrainBackend = ModelBackend & {rewards(batch: MicroBatch): Promise<Float32Array>};

/**
 * Refuses an unknown `--train_backend` before anything is read.
 *
 * @example
 * checkTrainBackend("torch"); // throws UsageError "--train_backend: expected jax or onnxruntime, got 'torch'"
 */
export function checkTrainBackend(name: string | undefined): void {
  if (name != null && !(TRAIN_BACKENDS as readonly string[]).includes(name))
    throw new UsageError(`--train_backend: expected ${TRAIN_BACKENDS.join(" or ")}, got '${name}'`);
}

/**
 * The backend a run uses: the one asked for, else onnxruntime (its native GEMM makes a step several times faster
 * than jax-js's wasm, see docs/finetune.md).
 *
 * @example
 * chooseTrainBackend({}); // "onnxruntime"
 */
export function chooseTrainBackend(options: {requested?: TrainBackendName}): TrainBackendName {
  checkTrainBackend(options.requested);
  return options.requested ?? "onnxruntime";
}

/**
 * Creates the chosen backend over a run's weights.
 *
 * @example
 * const backend = await createTrainBackend({name: "onnxruntime", config, frozen, trainable, shapes});
 */
export async function createTrainBackend(options: {
  readonly name: TrainBackendName;
  readonly config: ModelConfig;
  readonly frozen: ReadonlyMap<string, Float32Array>;
  readonly trainable: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly lora?: JaxLoraOptions;
  readonly threads?: number;
  /** jax-js's jit (the jax backend only). */
  readonly jit?: boolean;
  readonly reward?: boolean;
}): Promise<TrainBackend> {
  const {name, config, frozen, trainable, shapes, lora, threads} = options;
  if (name === "onnxruntime")
    return createOrtLlamaBackend({config, frozen, trainable, shapes, ...(lora == null ? {} : {lora}), ...(threads == null ? {} : {threads}), reward: options.reward === true});
  const runtime = await loadJax({threads});
  return new JaxLlamaBackend({runtime, config, frozen, trainable, shapes, lora, jit: options.jit ?? true, reward: options.reward === true});
}
