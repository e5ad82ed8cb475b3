import type {Array as JaxArray} from "@jax-js/jax";
import {NotSupportedError} from "../../errors/index.js";
import type {ModelConfig} from "../model-config.js";
import type {LossAndGrads, MicroBatch, ModelBackend} from "../model-backend.js";
import {Random} from "../random.js";
import {ropeTables} from "../rope-tables.js";
import type {LlamaGraph, LossInputs, Tensors} from "./llama-graph.js";
import {createModelGraph, ropeDimensions} from "./model-graph.js";
import type {JaxRuntime} from "./load-jax.js";
import {lossUnits, scatterAddRows} from "../backend-arithmetic.js";

export interface JaxLoraOptions {
  /** GGUF weight names that carry an adapter (`blk.0.attn_q.weight`); trainables are `<name>.lora_a|b`. */
  readonly targets: ReadonlySet<string>;
  /** alpha / r. */
  readonly scale: number;
  readonly dropout: number;
}

export interface JaxLlamaBackendOptions {
  readonly runtime: JaxRuntime;
  /** A llama or gptneox model: the backend runs either graph. */
  readonly config: ModelConfig;
  /** Weights that never change (the base model under LoRA), row-major Float32Arrays by GGUF name. */
  readonly frozen: ReadonlyMap<string, Float32Array>;
  /** Trainable parameters' initial values, by name. */
  readonly trainable: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly lora?: JaxLoraOptions;
  /** Compile the step with jax-js's jit (one compilation per batch shape). */
  readonly jit?: boolean;
  /**
   * GPT-NeoX: leave out ggml's float16 rounding around GeLU, a step function that finite differences cannot
   * see through (its gradient is passed straight through either way); for gradient checks only.
   */
  readonly smoothGelu?: boolean;
  /**
   * Train a reward model: micro-batches are (chosen, rejected) row pairs whose `lossMask` marks each row's last
   * token, the loss is the graph's rewardLoss, and `tokens` counts pairs. The head is a trainable tensor even under
   * LoRA.
   */
  readonly reward?: boolean;
}

const EMBEDDING = "token_embd.weight";
const ADAPTER = /\.lora_[ab]$/;

interface DiffArgs {
  weights: Tensors;
  x?: JaxArray;
}

interface FixedArgs {
  weights: Tensors;
  x?: JaxArray;
  inputs: Omit<LossInputs, "x">;
}

/** Frozen weights whose gradient jit can skip without the fusion slowdown (see lossAndGrads; bench:train). */
const FUSION_SAFE_FROZEN = /\.ffn_(up|down)\.weight$/;

type StepFunction = (diff: DiffArgs, fixed: FixedArgs) => [JaxArray, DiffArgs];

/**
 * Runs the llama or gptneox graph on @jax-js/jax's wasm backend.
 *
 * - The embedding lookup happens in JS (a row gather, and a scatter-add for its gradient), so the
 *   differentiated graph has no gather/scatter and can be jitted.
 * - LoRA without dropout differentiates the merged weight W + sBA and applies the chain rule to A and B
 *   outside the graph: inside jit, jax-js fuses a rank-r product into the consumer matmul and recomputes it
 *   per element. With dropout the adapter path stays separate (dropout applies to the adapter input only).
 */
export class JaxLlamaBackend implements ModelBackend {
  readonly #jax: JaxRuntime["jax"];
  readonly #config: ModelConfig;
  readonly #shapes: ReadonlyMap<string, readonly number[]>;
  readonly #lora: JaxLoraOptions | undefined;
  /** Frozen weights the graph reads (an untied embedding is only gathered, in JS). */
  readonly #frozen = new Map<string, JaxArray>();
  readonly #trainable = new Map<string, JaxArray>();
  readonly #trainableNames: readonly string[];
  #embedding: Float32Array;
  readonly #embeddingTrainable: boolean;
  /** W + sBA per LoRA target, for the current adapter values. */
  #merged: Map<string, JaxArray> | undefined;
  readonly #ropeCache = new Map<number, {cos: Float32Array; sin: Float32Array}>();
  readonly #plainGraph;
  readonly #plainStep: StepFunction;
  readonly #dropoutStep: StepFunction | undefined;
  readonly #jit: boolean;
  readonly #reward: boolean;

  constructor(options: JaxLlamaBackendOptions) {
    this.#reward = options.reward === true;
    this.#jax = options.runtime.jax;
    this.#config = options.config;
    this.#shapes = options.shapes;
    this.#lora = options.lora;
    this.#trainableNames = [...options.trainable.keys()];
    this.#embeddingTrainable = options.trainable.has(EMBEDDING);
    const embedding = options.trainable.get(EMBEDDING) ?? options.frozen.get(EMBEDDING);
    if (embedding == null) throw new Error(`missing ${EMBEDDING}`);
    this.#embedding = embedding;
    for (const [name, value] of options.frozen) if (this.#inGraph(name)) this.#frozen.set(name, this.#upload(name, value));
    this.#setTrainable(options.trainable);

    this.#jit = options.jit === true;
    const graphOptions = {smoothGelu: options.smoothGelu === true};
    this.#plainGraph = createModelGraph(this.#jax, this.#config, undefined, graphOptions);
    this.#plainStep = this.#compile(this.#plainGraph, options.jit === true);
    if (options.lora != null && options.lora.dropout > 0)
      this.#dropoutStep = this.#compile(createModelGraph(this.#jax, this.#config, options.lora, graphOptions), options.jit === true);
  }

  #compile(graph: LlamaGraph, jit: boolean): StepFunction {
    const objective = this.#reward ? rewardGraph(graph).rewardLoss : graph.loss;
    const lossFn = (diff: DiffArgs, fixed: FixedArgs) => objective({...diff.weights, ...fixed.weights}, {...fixed.inputs, x: (diff.x ?? fixed.x)!});
    const valueAndGrad = this.#jax.valueAndGrad(lossFn);
    return (jit ? this.#jax.jit(valueAndGrad) : valueAndGrad) as StepFunction;
  }

  #inGraph(name: string): boolean {
    return name !== EMBEDDING || this.#config.tiedEmbeddings;
  }

  #upload(name: string, value: Float32Array): JaxArray {
    const shape = this.#shapes.get(name);
    if (shape == null) throw new Error(`no shape for ${name}`);
    return this.#jax.numpy.array(value).reshape([...shape]);
  }

  #setTrainable(values: ReadonlyMap<string, Float32Array>): void {
    for (const array of this.#trainable.values()) array.dispose();
    this.#trainable.clear();
    this.#dropMerged();
    for (const name of this.#trainableNames) {
      const value = values.get(name);
      if (value == null) throw new Error(`missing trainable parameter ${name}`);
      if (name === EMBEDDING) this.#embedding = value;
      if (this.#inGraph(name)) this.#trainable.set(name, this.#upload(name, value));
    }
  }

  async setTrainable(values: ReadonlyMap<string, Float32Array>): Promise<void> {
    this.#setTrainable(values);
  }

  #dropMerged(): void {
    if (this.#merged == null) return;
    for (const array of this.#merged.values()) array.dispose();
    this.#merged = undefined;
  }

  #mergedWeights(): Map<string, JaxArray> {
    const lora = this.#lora!;
    if (this.#merged == null) {
      const np = this.#jax.numpy;
      this.#merged = new Map();
      for (const name of lora.targets) {
        const a = this.#trainable.get(`${name}.lora_a`)!.ref;
        const b = this.#trainable.get(`${name}.lora_b`)!.ref;
        this.#merged.set(name, this.#frozen.get(name)!.ref.add(np.einsum("or,ri->oi", b, a).mul(lora.scale)));
      }
    }
    return this.#merged;
  }

  #rope(length: number): {cos: JaxArray; sin: JaxArray} {
    let tables = this.#ropeCache.get(length);
    if (tables == null) {
      tables = ropeTables({length, headDim: ropeDimensions(this.#config), freqBase: this.#config.ropeFreqBase});
      this.#ropeCache.set(length, tables);
    }
    const np = this.#jax.numpy;
    const half = ropeDimensions(this.#config) / 2;
    return {cos: np.array(tables.cos).reshape([length, 1, half]), sin: np.array(tables.sin).reshape([length, 1, half])};
  }

  #embed(tokens: Int32Array, batchSize: number): JaxArray {
    const d = this.#config.embeddingLength;
    const out = new Float32Array(tokens.length * d);
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (id < 0 || id >= this.#config.vocabSize) throw new RangeError(`token id ${id} is outside the vocabulary`);
      out.set(this.#embedding.subarray(id * d, (id + 1) * d), i * d);
    }
    return this.#jax.numpy.array(out).reshape([batchSize, tokens.length / batchSize, d]);
  }

  #lossInputs(batch: MicroBatch, dropout: Tensors | undefined): Omit<LossInputs, "x"> {
    const np = this.#jax.numpy;
    // jax-js treats every key as a leaf, so an absent mask set must be absent, not undefined.
    return {
      ...this.#rope(batch.length),
      targets: np.array(batch.targets, {dtype: np.int32}),
      lossMask: np.array(batch.lossMask),
      ...(dropout == null ? {} : {dropout})
    };
  }

  /** peft's lora_dropout: each adapted layer drops its own copy of the input to A. */
  #dropoutMasks(batch: MicroBatch, seed: number): Tensors {
    const lora = this.#lora!;
    const random = new Random(seed);
    const keep = 1 - lora.dropout;
    const rows = batch.batchSize * batch.length;
    const masks: Tensors = {};
    for (const name of lora.targets) {
      const inDim = this.#shapes.get(name)![1]!;
      const mask = new Float32Array(rows * inDim);
      for (let i = 0; i < mask.length; i++) mask[i] = random.next() < keep ? 1 / keep : 0;
      masks[name] = this.#jax.numpy.array(mask).reshape([rows, inDim]);
    }
    return masks;
  }

  /** The weights the plain graph reads: frozen + trainable, with LoRA targets replaced by W + sBA. */
  #plainWeights(): Tensors {
    const merged = this.#lora == null ? undefined : this.#mergedWeights();
    const out: Tensors = {};
    for (const [name, array] of this.#frozen) out[name] = (merged?.get(name) ?? array).ref;
    for (const [name, array] of this.#trainable) if (this.#lora == null || !ADAPTER.test(name)) out[name] = array.ref;
    return out;
  }

  async lossAndGrads(batch: MicroBatch, options: {dropoutSeed?: number} = {}): Promise<LossAndGrads> {
    const lora = this.#lora;
    const dropout = this.#dropoutStep != null && options.dropoutSeed != null;
    // The weights the step reads, and the ones whose gradient we need.
    let weights: Tensors;
    let needed: ReadonlySet<string>;
    if (lora == null) {
      weights = this.#plainWeights();
      needed = new Set(this.#trainable.keys());
    } else if (dropout) {
      weights = {};
      for (const [name, array] of [...this.#frozen, ...this.#trainable]) weights[name] = array.ref;
      needed = new Set(this.#trainable.keys());
    } else {
      weights = this.#plainWeights();
      needed = new Set([...lora.targets, ...[...this.#trainable.keys()].filter((name) => !ADAPTER.test(name))]);
    }
    // Under jit a frozen weight is still differentiated when leaving it out would leave a backward intermediate
    // feeding one matmul only: jax-js then fuses it into that matmul's inner loop (5x slower overall than the
    // extra gradient). ffn_up and ffn_down are the exceptions measured safe; skipping them makes LoRA 15% faster.
    const diffWeights: Tensors = {};
    const fixedWeights: Tensors = {};
    for (const [name, array] of Object.entries(weights)) {
      const differentiate = needed.has(name) || (this.#jit && !FUSION_SAFE_FROZEN.test(name));
      (differentiate ? diffWeights : fixedWeights)[name] = array;
    }
    const inputs = this.#lossInputs(batch, dropout ? this.#dropoutMasks(batch, options.dropoutSeed!) : undefined);
    const x = this.#embed(batch.tokens, batch.batchSize);
    const withX = this.#embeddingTrainable;
    const step = dropout ? this.#dropoutStep! : this.#plainStep;
    const [loss, grads] = step(
      withX ? {weights: diffWeights, x} : {weights: diffWeights},
      withX ? {weights: fixedWeights, inputs} : {weights: fixedWeights, x, inputs}
    );
    const lossSum = (await loss.data())[0]!;
    const kept: Tensors = {};
    for (const [name, grad] of Object.entries(grads.weights)) {
      if (needed.has(name)) kept[name] = grad;
      else grad.dispose();
    }
    const out = await this.#collectGrads(kept, lora != null && !dropout);
    if (withX) {
      const dx = (await grads.x!.data()) as Float32Array;
      const embeddingGrad = out.get(EMBEDDING) ?? new Float32Array(this.#embedding.length);
      scatterAddRows(embeddingGrad, dx, batch.tokens, this.#config.embeddingLength);
      out.set(EMBEDDING, embeddingGrad);
    }
    return {lossSum, tokens: this.#units(batch), grads: out};
  }

  /** Reads gradients back; for merged LoRA turns dL/dW' into dL/dA = s B^T dW' and dL/dB = s dW' A^T. */
  async #collectGrads(grads: Tensors, mergedLora: boolean): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (!mergedLora) {
      for (const [name, grad] of Object.entries(grads)) out.set(name, (await grad.data()) as Float32Array);
      return out;
    }
    const np = this.#jax.numpy;
    const scale = this.#lora!.scale;
    for (const [name, dW] of Object.entries(grads)) {
      if (!this.#lora!.targets.has(name)) {
        out.set(name, (await dW.data()) as Float32Array);
        continue;
      }
      const a = this.#trainable.get(`${name}.lora_a`)!.ref;
      const b = this.#trainable.get(`${name}.lora_b`)!.ref;
      const dA = np.einsum("or,oi->ri", b, dW.ref).mul(scale);
      const dB = np.einsum("oi,ri->or", dW, a).mul(scale);
      out.set(`${name}.lora_a`, (await dA.data()) as Float32Array);
      out.set(`${name}.lora_b`, (await dB.data()) as Float32Array);
    }
    return out;
  }

  async loss(batch: MicroBatch): Promise<{lossSum: number; tokens: number}> {
    const x = this.#embed(batch.tokens, batch.batchSize);
    const inputs = {...this.#lossInputs(batch, undefined), x};
    const loss = this.#reward ? rewardGraph(this.#plainGraph).rewardLoss(this.#plainWeights(), inputs) : this.#plainGraph.loss(this.#plainWeights(), inputs);
    return {lossSum: (await loss.data())[0]!, tokens: this.#units(batch)};
  }

  /** The reward of each row of a reward micro-batch (the head on its pooled final hidden state). */
  async rewards(batch: MicroBatch): Promise<Float32Array> {
    const x = this.#embed(batch.tokens, batch.batchSize);
    const rewards = rewardGraph(this.#plainGraph).rewards(this.#plainWeights(), {...this.#lossInputs(batch, undefined), x});
    return (await rewards.data()) as Float32Array;
  }

  #units(batch: MicroBatch): number {
    return lossUnits(batch.lossMask, this.#reward);
  }

  async logits(tokens: Int32Array): Promise<Float32Array> {
    const x = this.#embed(tokens, 1);
    const logits = this.#plainGraph.logits(this.#plainWeights(), {x, ...this.#rope(tokens.length)});
    return (await logits.data()) as Float32Array;
  }

  async dispose(): Promise<void> {
    this.#dropMerged();
    for (const array of this.#trainable.values()) array.dispose();
    for (const array of this.#frozen.values()) array.dispose();
    this.#trainable.clear();
    this.#frozen.clear();
  }
}

/** The graph's reward functions (the llama graph has them; others refuse reward training). */
function rewardGraph(graph: LlamaGraph): Required<Pick<LlamaGraph, "rewards" | "rewardLoss">> {
  if (graph.rewards == null || graph.rewardLoss == null) throw new NotSupportedError("reward training supports llama models only");
  return {rewards: graph.rewards, rewardLoss: graph.rewardLoss};
}
