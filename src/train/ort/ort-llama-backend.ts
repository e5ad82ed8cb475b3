import {availableParallelism, totalmem} from "node:os";
import type {InferenceSession, Tensor} from "onnxruntime-node";
import type {LossAndGrads, MicroBatch, ModelBackend} from "../model-backend.js";
import type {ModelConfig} from "../model-config.js";
import {Random} from "../random.js";
import {ropeTables} from "../rope-tables.js";
import {TrainingMemoryError} from "../train-errors.js";
import {encodeOnnxModel} from "../../onnx/index.js";
import {buildStepGraph, ropeDims, ropeTableShape, stepGraphBytes, type StepGraphKind} from "./step-graph.js";
import {lossUnits, scatterAddRows} from "../backend-arithmetic.js";

export interface OrtLoraOptions {
  /** GGUF weight names that carry an adapter (`blk.0.attn_q.weight`); trainables are `<name>.lora_a|b`. */
  readonly targets: ReadonlySet<string>;
  /** alpha / r. */
  readonly scale: number;
  readonly dropout: number;
}

export interface OrtLlamaBackendOptions {
  /** A llama or gptneox model. */
  readonly config: ModelConfig;
  /** Weights that never change (the base model under LoRA), row-major Float32Arrays by GGUF name. */
  readonly frozen: ReadonlyMap<string, Float32Array>;
  /** Trainable parameters' initial values, by name. */
  readonly trainable: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly lora?: OrtLoraOptions;
  /** onnxruntime's intra-op threads (default: the CPU count). */
  readonly threads?: number;
  /** Refuse micro-batch shapes whose step would need more (stepGraphBytes); default 70% of RAM. */
  readonly memoryLimitBytes?: number;
  /** GPT-NeoX: leave out ggml's float16 rounding around GeLU (as JaxLlamaBackendOptions.smoothGelu). */
  readonly smoothGelu?: boolean;
  /**
   * Train a reward model, as JaxLlamaBackendOptions.reward: micro-batches from toRewardBatch, the Bradley-Terry
   * loss on the head (`cls.output.weight`, trainable), `tokens` counting pairs.
   */
  readonly reward?: boolean;
}

type Ort = typeof import("onnxruntime-node");

interface StepSession {
  readonly session: InferenceSession;
  readonly inputs: ReadonlySet<string>;
  readonly gradients: readonly string[];
}

const EMBEDDING = "token_embd.weight";
const ADAPTER = /\.lora_[ab]$/;
/** Sessions kept (each holds its shape's memory arena); group_by_length runs see many lengths. */
const MAX_SESSIONS = 4;
const DEFAULT_MEMORY_SHARE = 0.7;

/**
 * Creates the onnxruntime backend for a llama or gptneox model: one ONNX graph per micro-batch shape holding the
 * forward pass and a hand-written backward (see buildStepGraph), run by onnxruntime-node's CPU kernels in one call per
 * micro-batch. Parameters stay in our Float32Arrays and are fed as graph inputs, so the optimizer, checkpoints
 * and export are the same as with jax-js.
 *
 * @example
 * const backend = await createOrtLlamaBackend({config, frozen: new Map(), trainable: weights, shapes});
 * const {lossSum, grads} = await backend.lossAndGrads(batch);
 */
export async function createOrtLlamaBackend(options: OrtLlamaBackendOptions): Promise<OrtLlamaBackend> {
  return new OrtLlamaBackend(await import("onnxruntime-node"), options);
}

/**
 * The onnxruntime ModelBackend (made by createOrtLlamaBackend; llama or gptneox despite the name, as
 * JaxLlamaBackend). Holds one inference session per recent micro-batch shape and kind.
 *
 * @example
 * await backend.setTrainable(updated);
 * const logits = await backend.logits(Int32Array.of(1, 2, 3));
 */
export class OrtLlamaBackend implements ModelBackend {
  readonly #ort: Ort;
  readonly #options: OrtLlamaBackendOptions;
  readonly #threads: number;
  readonly #sessions = new Map<string, Promise<StepSession>>();
  readonly #releasing = new Set<Promise<unknown>>();
  /** Weights as onnxruntime tensors, made once per value (frozen ones for the whole run). */
  readonly #tensors = new Map<string, Tensor>();
  readonly #ropeCache = new Map<number, {cos: Tensor; sin: Tensor}>();
  #values: ReadonlyMap<string, Float32Array>;
  #embedding: Float32Array;

  constructor(ort: Ort, options: OrtLlamaBackendOptions) {
    this.#ort = ort;
    this.#options = options;
    this.#threads = options.threads ?? availableParallelism();
    this.#values = new Map([...options.frozen, ...options.trainable]);
    const embedding = this.#values.get(EMBEDDING);
    if (embedding == null) throw new Error(`missing ${EMBEDDING}`);
    this.#embedding = embedding;
  }

  async setTrainable(values: ReadonlyMap<string, Float32Array>): Promise<void> {
    const merged = new Map(this.#values);
    for (const name of this.#options.trainable.keys()) {
      const value = values.get(name);
      if (value == null) throw new Error(`missing trainable parameter ${name}`);
      merged.set(name, value);
      this.#tensors.delete(name);
    }
    this.#values = merged;
    this.#embedding = merged.get(EMBEDDING)!;
  }

  #config(): ModelConfig {
    return this.#options.config;
  }

  #session(kind: StepGraphKind, batchSize: number, length: number, dropout: boolean): Promise<StepSession> {
    const key = `${kind}:${batchSize}x${length}:${dropout}`;
    let session = this.#sessions.get(key);
    if (session == null) {
      this.#checkMemory(batchSize, length);
      session = this.#createSession(kind, batchSize, length, dropout);
      for (const [oldKey, old] of this.#sessions) {
        if (this.#sessions.size < MAX_SESSIONS) break;
        this.#sessions.delete(oldKey);
        this.#release(old);
      }
    }
    // Re-inserted so the map's order is least recently used first.
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    return session;
  }

  /** Refuses a shape that would not fit before onnxruntime tries (a failed native allocation kills the process). */
  #checkMemory(batchSize: number, length: number): void {
    const limit = this.#options.memoryLimitBytes ?? DEFAULT_MEMORY_SHARE * totalmem();
    const needed = stepGraphBytes({config: this.#config(), batchSize, length});
    if (needed <= limit) return;
    const gib = (bytes: number) => (bytes / 2 ** 30).toPrecision(2);
    throw new TrainingMemoryError(batchSize, length, {limit: `the ${gib(limit)} GiB onnxruntime may use (it needs about ${gib(needed)} GiB)`});
  }

  async #createSession(kind: StepGraphKind, batchSize: number, length: number, dropout: boolean): Promise<StepSession> {
    const config = this.#config();
    const lora = this.#options.lora;
    const trainable = new Set([...this.#options.trainable.keys()].filter((name) => !ADAPTER.test(name)));
    const built = buildStepGraph({
      config,
      shapes: this.#options.shapes,
      batchSize,
      length,
      kind,
      trainable,
      inputGrad: trainable.has(EMBEDDING),
      smoothGelu: this.#options.smoothGelu === true,
      ...(lora == null ? {} : {lora: {targets: lora.targets, scale: lora.scale, dropout}})
    });
    const session = await this.#ort.InferenceSession.create(encodeOnnxModel(built.graph), {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      intraOpNumThreads: this.#threads,
      interOpNumThreads: 1
    });
    return {session, inputs: new Set(session.inputNames), gradients: built.gradients};
  }

  #tensor(name: string): Tensor {
    let tensor = this.#tensors.get(name);
    if (tensor == null) {
      const value = this.#values.get(name);
      const shape = this.#options.shapes.get(name);
      if (value == null || shape == null) throw new Error(`missing tensor ${name}`);
      tensor = new this.#ort.Tensor("float32", value, [...shape]);
      this.#tensors.set(name, tensor);
    }
    return tensor;
  }

  #rope(length: number): {cos: Tensor; sin: Tensor} {
    let tables = this.#ropeCache.get(length);
    if (tables == null) {
      const {cos, sin} = ropeTables({length, headDim: ropeDims(this.#config()), freqBase: this.#config().ropeFreqBase});
      const dims = ropeTableShape(this.#config(), length);
      tables = {cos: new this.#ort.Tensor("float32", cos, dims), sin: new this.#ort.Tensor("float32", sin, dims)};
      this.#ropeCache.set(length, tables);
    }
    return tables;
  }

  #embed(tokens: Int32Array): Tensor {
    const {embeddingLength: d, vocabSize} = this.#config();
    const out = new Float32Array(tokens.length * d);
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (id < 0 || id >= vocabSize) throw new RangeError(`token id ${id} is outside the vocabulary`);
      out.set(this.#embedding.subarray(id * d, (id + 1) * d), i * d);
    }
    return new this.#ort.Tensor("float32", out, [tokens.length, d]);
  }

  /** peft's lora_dropout, drawn exactly as the jax backend draws it: per target in order, row-major [N, in]. */
  #dropoutMasks(rows: number, seed: number): Map<string, Tensor> {
    const lora = this.#options.lora!;
    const random = new Random(seed);
    const keep = 1 - lora.dropout;
    const masks = new Map<string, Tensor>();
    for (const name of lora.targets) {
      const inDim = this.#options.shapes.get(name)![1]!;
      const mask = new Float32Array(rows * inDim);
      for (let i = 0; i < mask.length; i++) mask[i] = random.next() < keep ? 1 / keep : 0;
      masks.set(`dropout.${name}`, new this.#ort.Tensor("float32", mask, [rows, inDim]));
    }
    return masks;
  }

  async #run(step: StepSession, tokens: Int32Array, batch: MicroBatch | undefined, extra?: ReadonlyMap<string, Tensor>) {
    const length = batch?.length ?? tokens.length;
    const feeds: Record<string, Tensor> = {x: this.#embed(tokens), ...this.#rope(length)};
    if (batch != null) {
      const n = batch.tokens.length;
      if (step.inputs.has("targets")) feeds.targets = new this.#ort.Tensor("int64", BigInt64Array.from(batch.targets, (t) => BigInt(t)), [n, 1]);
      feeds.loss_mask = new this.#ort.Tensor("float32", batch.lossMask, [n, 1]);
    }
    for (const name of step.inputs) {
      if (name in feeds) continue;
      feeds[name] = extra?.get(name) ?? this.#tensor(name);
    }
    return step.session.run(feeds);
  }

  async lossAndGrads(batch: MicroBatch, options: {dropoutSeed?: number} = {}): Promise<LossAndGrads> {
    const lora = this.#options.lora;
    const dropout = lora != null && lora.dropout > 0 && options.dropoutSeed != null;
    const step = await this.#session(this.#reward ? "reward_train" : "train", batch.batchSize, batch.length, dropout);
    const masks = dropout ? this.#dropoutMasks(batch.tokens.length, options.dropoutSeed!) : undefined;
    const results = await this.#run(step, batch.tokens, batch, masks);
    const grads = new Map<string, Float32Array>();
    for (const name of step.gradients) grads.set(name, results[`grad.${name}`]!.data as Float32Array);
    if (this.#options.trainable.has(EMBEDDING)) {
      const embeddingGrad = grads.get(EMBEDDING) ?? new Float32Array(this.#embedding.length);
      scatterAddRows(embeddingGrad, results.dx!.data as Float32Array, batch.tokens, this.#config().embeddingLength);
      grads.set(EMBEDDING, embeddingGrad);
    }
    // A reward graph never reads an untied output.weight: its gradient is zero (as jax's), so AdamW still decays it.
    for (const [name, value] of this.#options.trainable) if (!grads.has(name)) grads.set(name, new Float32Array(value.length));
    return {lossSum: (results.loss!.data as Float32Array)[0]!, tokens: this.#units(batch), grads};
  }

  async loss(batch: MicroBatch): Promise<{lossSum: number; tokens: number}> {
    const step = await this.#session(this.#reward ? "reward_loss" : "loss", batch.batchSize, batch.length, false);
    const results = await this.#run(step, batch.tokens, batch);
    return {lossSum: (results.loss!.data as Float32Array)[0]!, tokens: this.#units(batch)};
  }

  /** The reward of each row of a reward micro-batch (the head on its pooled final hidden state). */
  async rewards(batch: MicroBatch): Promise<Float32Array> {
    const step = await this.#session("rewards", batch.batchSize, batch.length, false);
    const results = await this.#run(step, batch.tokens, batch);
    return results.rewards!.data as Float32Array;
  }

  get #reward(): boolean {
    return this.#options.reward === true;
  }

  #units(batch: MicroBatch): number {
    return lossUnits(batch.lossMask, this.#reward);
  }

  async logits(tokens: Int32Array): Promise<Float32Array> {
    const step = await this.#session("logits", 1, tokens.length, false);
    const results = await this.#run(step, tokens, undefined);
    return results.logits!.data as Float32Array;
  }

  /**
   * Releases run in the background while training goes on; dispose waits for them all, so no native release is
   * still running when its caller goes on or the process exits.
   */
  #release(session: Promise<StepSession>): void {
    const released = session.then((s) => s.session.release()).catch(() => undefined);
    this.#releasing.add(released);
    void released.then(() => this.#releasing.delete(released));
  }

  async dispose(): Promise<void> {
    for (const session of this.#sessions.values()) this.#release(session);
    this.#sessions.clear();
    this.#tensors.clear();
    await Promise.all(this.#releasing);
  }
}
