import type {GptNeoxConfig} from "../gptneox-config.js";
import {headDim} from "../llama-config.js";
import {isGptNeox, modelTensorSpecs, type ModelConfig} from "../model-config.js";
import {REWARD_HEAD_TENSOR} from "../reward-batch.js";
import {OnnxGraphBuilder} from "./onnx-graph-builder.js";
import type {OnnxGraph} from "../../onnx/index.js";

/**
 * What one graph computes: forward + hand-written backward, the loss only, or logits; the `reward_` kinds and
 * `rewards` do the same for a reward model (a scalar head on each row's final hidden states weighted by `loss_mask`: its last token, or the mean; Bradley-Terry loss).
 */
export type StepGraphKind = "train" | "loss" | "logits" | "reward_train" | "reward_loss" | "rewards";

export interface StepGraphLora {
  /** Base weight names carrying an adapter; the graph reads `<name>.lora_a` [r, in] and `<name>.lora_b` [out, r]. */
  readonly targets: ReadonlySet<string>;
  /** alpha / r. */
  readonly scale: number;
  /** Each adapter's input is multiplied by a graph input `dropout.<name>` [N, in] (mask already scaled by 1/(1-p)). */
  readonly dropout: boolean;
}

export interface StepGraphOptions {
  readonly config: ModelConfig;
  /** Row-major shapes of every weight and adapter, by name. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly batchSize: number;
  readonly length: number;
  readonly kind: StepGraphKind;
  /** Base weights (not adapters) whose gradient the train graph outputs as `grad.<name>`. */
  readonly trainable: ReadonlySet<string>;
  /** Also output `dx`, the gradient of the embedded input [N, d] (for the embedding's scatter-add in JS). */
  readonly inputGrad: boolean;
  readonly lora?: StepGraphLora;
  /** GPT-NeoX: leave out ggml's float16 rounding around GeLU (as the jax backend's smoothGelu; for gradient checks). */
  readonly smoothGelu?: boolean;
}

export interface StepGraph {
  readonly graph: OnnxGraph;
  /** The parameters whose gradients the graph outputs (`grad.<name>`), adapters included. */
  readonly gradients: readonly string[];
}

const EMBEDDING = "token_embd.weight";
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * The dimensions per head that RoPE rotates: the whole head for llama, rotary_pct of it for gptneox.
 *
 * @example
 * ropeDims(pythiaConfig); // head size / 4
 */
export function ropeDims(config: ModelConfig): number {
  return isGptNeox(config) ? config.ropeDims : headDim(config);
}

/**
 * The RoPE tables' input shape: [T, 1, hd/2, 1] for llama's adjacent pairs, [T, 1, rot/2] for NeoX's halves.
 *
 * @example
 * ropeTableShape(llamaConfig, 256); // [256, 1, 32, 1] for 64-wide heads
 */
export function ropeTableShape(config: ModelConfig, length: number): number[] {
  return isGptNeox(config) ? [length, 1, config.ropeDims / 2] : [length, 1, headDim(config) / 2, 1];
}

/**
 * One ONNX graph for a micro-batch shape, with the math of src/train/jax/llama-graph.ts and gptneox-graph.ts
 * (llama.cpp's llama: RMSNorm, normal-mode RoPE, grouped-query causal attention, SwiGLU, tied or untied head;
 * gptneox: LayerNorm with bias, fused QKV, NeoX RoPE on the first rot dims, biased projections, GeLU with ggml's
 * float16 rounding, parallel or sequential residual) and, for `train`, the backward pass written out by hand so
 * onnxruntime runs a whole step in one call. Frozen weights get no weight-gradient product (LoRA pays only for dX
 * through them).
 *
 * Inputs: `x` [N, d] (embedded tokens), `cos`/`sin` (ropeTableShape), `targets` int64 [N, 1], `loss_mask` [N, 1],
 * the weights by name; outputs `loss` (summed masked cross-entropy), `logits` [N, vocab], `grad.<name>`, `dx`.
 * The reward kinds take no `targets` and read `cls.output.weight` [d]; they output `rewards` [B] or `loss` (the
 * summed Bradley-Terry loss) with the gradients.
 *
 * @example
 * const {graph} = buildStepGraph({config, shapes, batchSize: 4, length: 64, kind: "train", trainable: new Set(names), inputGrad: true});
 * const bytes = encodeOnnxModel(graph);
 */
export function buildStepGraph(options: StepGraphOptions): StepGraph {
  const {config, batchSize: B, length: T, kind, lora} = options;
  const neox = isGptNeox(config) ? config : undefined;
  const llama = isGptNeox(config) ? undefined : config;
  const g = new OnnxGraphBuilder();
  const d = config.embeddingLength;
  const nHead = config.headCount;
  const hd = d / nHead;
  const nKv = llama?.headCountKv ?? nHead;
  const groups = nHead / nKv;
  const kvDim = nKv * hd;
  const V = config.vocabSize;
  const N = B * T;
  const attentionScale = llama != null && llama.attentionScale !== 0 ? llama.attentionScale : 1 / Math.sqrt(hd);
  const train = kind === "train" || kind === "reward_train";
  const inputs = new Set<string>();
  const gradients: string[] = [];
  const gradOutputs: [string, string][] = [];

  const shapeOf = (name: string): readonly number[] => {
    const shape = options.shapes.get(name);
    if (shape == null) throw new Error(`step graph: no shape for ${name}`);
    return shape;
  };
  const weight = (name: string): string => {
    if (!inputs.has(name)) {
      inputs.add(name);
      g.input(name, "float", shapeOf(name));
    }
    return name;
  };
  const gradient = (name: string, value: string): void => {
    gradients.push(name);
    gradOutputs.push([name, value]);
  };
  const constant = (value: number): string => g.floatConstant(Float32Array.of(value), []);

  const x = g.input("x", "float", [N, d]);
  const cos = g.input("cos", "float", ropeTableShape(config, T));
  const sin = g.input("sin", "float", ropeTableShape(config, T));
  const negSin = train ? g.op("Neg", [sin]) : "";
  const causal = new Float32Array(groups * T * T);
  for (let row = 0; row < groups * T; row++) for (let col = (row % T) + 1; col < T; col++) causal[row * T + col] = -Infinity;
  const causalMask = g.floatConstant(causal, [groups * T, T]);

  interface Linear {
    readonly name: string;
    readonly input: string;
    readonly bias?: string;
    /** The adapter's input (after dropout) and its rank-r projection, when the weight carries one. */
    readonly adapter?: {readonly input: string; readonly low: string; readonly mask?: string};
  }

  /** y = x W^T (+ b) (+ scale * (x A^T) B^T). */
  const linear = (input: string, name: string, bias?: string): [string, Linear] => {
    const y = g.gemm(input, weight(name), {transB: true, ...(bias == null ? {} : {add: weight(bias)})});
    const base = {name, input, ...(bias == null ? {} : {bias})};
    if (lora == null || !lora.targets.has(name)) return [y, base];
    const a = weight(`${name}.lora_a`);
    const b = weight(`${name}.lora_b`);
    const mask = lora.dropout ? g.input(`dropout.${name}`, "float", [N, shapeOf(name)[1]!]) : undefined;
    const adapterInput = mask == null ? input : g.mul(input, mask);
    const low = g.gemm(adapterInput, a, {transB: true});
    return [g.gemm(low, b, {transB: true, alpha: lora.scale, add: y}), {...base, adapter: {input: adapterInput, low, ...(mask == null ? {} : {mask})}}];
  };

  /** Gradients of a linear's parameters from dY [N, out]; returns dX unless `needInput` is false. */
  const linearBack = (dy: string, record: Linear, needInput: boolean): string | undefined => {
    const {name, input, bias, adapter} = record;
    if (options.trainable.has(name)) gradient(name, g.gemm(dy, input, {transA: true}));
    if (bias != null && options.trainable.has(bias)) gradient(bias, g.reduceSum(dy, [0], false));
    let dx = needInput ? g.gemm(dy, name) : undefined;
    if (adapter != null && lora != null) {
      const a = `${name}.lora_a`;
      const b = `${name}.lora_b`;
      const dLow = g.gemm(dy, b);
      gradient(b, g.gemm(dy, adapter.low, {transA: true, alpha: lora.scale}));
      gradient(a, g.gemm(dLow, adapter.input, {transA: true, alpha: lora.scale}));
      if (dx != null) {
        if (adapter.mask == null) dx = g.gemm(dLow, a, {alpha: lora.scale, add: dx});
        else dx = g.add(dx, g.mul(g.gemm(dLow, a, {alpha: lora.scale}), adapter.mask));
      }
    }
    return dx;
  };

  interface Norm {
    readonly weight: string;
    readonly bias?: string;
    readonly inverse: string;
    readonly normalized: string;
  }

  /** llama: h * r * w, r = 1/sqrt(mean(h^2) + eps); gptneox: (h - mean) * r * w + b, r = 1/sqrt(var + eps). */
  const norm = (h: string, prefix: string): [string, Norm] => {
    const mean = (value: string) => g.scale(g.reduceSum(value, [-1], true), 1 / d);
    const centered = neox == null ? h : g.sub(h, mean(h));
    const eps = llama?.rmsNormEps ?? neox!.layerNormEps;
    const inverse = g.op("Reciprocal", [g.op("Sqrt", [g.add(mean(g.mul(centered, centered)), constant(eps))])]);
    const normalized = g.mul(centered, inverse);
    const scaled = g.mul(normalized, weight(`${prefix}.weight`));
    if (neox == null) return [scaled, {weight: `${prefix}.weight`, inverse, normalized}];
    return [g.add(scaled, weight(`${prefix}.bias`)), {weight: `${prefix}.weight`, bias: `${prefix}.bias`, inverse, normalized}];
  };

  /** r (gy - n mean(gy n)) for RMSNorm, r (gy - mean(gy) - n mean(gy n)) for LayerNorm; gy = dy w, n normalized. */
  const normBack = (dy: string, record: Norm): string => {
    if (options.trainable.has(record.weight)) gradient(record.weight, g.reduceSum(g.mul(dy, record.normalized), [0], false));
    if (record.bias != null && options.trainable.has(record.bias)) gradient(record.bias, g.reduceSum(dy, [0], false));
    const mean = (value: string) => g.scale(g.reduceSum(value, [-1], true), 1 / d);
    let gy = g.mul(dy, record.weight);
    if (neox != null) gy = g.sub(gy, mean(gy));
    return g.mul(record.inverse, g.sub(gy, g.mul(record.normalized, mean(g.mul(gy, record.normalized)))));
  };
  const normNeedsInput = (record: Norm): boolean => options.trainable.has(record.weight) || (record.bias != null && options.trainable.has(record.bias));

  /**
   * RoPE on `heads` heads of a value reshapeable to [B, T, heads, hd], returned as [N, heads * hd]: llama.cpp's
   * normal mode rotates adjacent pairs (2i, 2i+1), NeoX mode the halves (i, i + rot/2) of the first rot dims.
   * The negated sin table undoes the rotation (its transpose), which is the backward pass.
   */
  const rope = (value: string, heads: number, sinTable: string): string => {
    if (neox == null) {
      const pairs = g.reshape(value, [B, T, heads, hd / 2, 2]);
      const [even, odd] = g.ops("Split", [pairs], 2, {axis: {int: 4}}) as [string, string];
      const outEven = g.sub(g.mul(even, cos), g.mul(odd, sinTable));
      const outOdd = g.add(g.mul(even, sinTable), g.mul(odd, cos));
      return g.reshape(g.op("Concat", [outEven, outOdd], {axis: {int: 4}}), [N, heads * hd]);
    }
    const rot = neox.ropeDims;
    const heads4 = g.reshape(value, [B, T, heads, hd]);
    if (rot === 0) return g.reshape(heads4, [N, heads * hd]);
    const sizes = rot < hd ? [rot / 2, rot / 2, hd - rot] : [rot / 2, rot / 2];
    const [first, second, rest] = g.ops("Split", [heads4, g.int64Constant(sizes)], sizes.length, {axis: {int: 3}}) as [string, string, string?];
    const outFirst = g.sub(g.mul(first, cos), g.mul(second, sinTable));
    const outSecond = g.add(g.mul(first, sinTable), g.mul(second, cos));
    const parts = rest == null ? [outFirst, outSecond] : [outFirst, outSecond, rest];
    return g.reshape(g.op("Concat", parts, {axis: {int: 3}}), [N, heads * hd]);
  };

  interface Attention {
    /** Per kv head: queries [B, nKv, G*T, hd] (head h = kv * G + g), keys and values [B, nKv, T, hd]. */
    readonly queries: string;
    readonly keys: string;
    readonly values: string;
    readonly probabilities: string;
  }

  /** Causal softmax attention of roped q [N, nHead*hd], k and v [N, kvDim]; returns the heads merged [N, d]. */
  const attention = (q: string, k: string, v: string): [string, Attention] => {
    const queries = g.reshape(g.transpose(g.reshape(q, [B, T, nHead, hd]), [0, 2, 1, 3]), [B, nKv, groups * T, hd]);
    const keys = g.transpose(g.reshape(k, [B, T, nKv, hd]), [0, 2, 1, 3]);
    const values = g.transpose(g.reshape(v, [B, T, nKv, hd]), [0, 2, 1, 3]);
    const scores = g.add(g.scale(g.matmul(queries, g.transpose(keys, [0, 1, 3, 2])), attentionScale), causalMask);
    const probabilities = g.op("Softmax", [scores], {axis: {int: -1}});
    const attended = g.matmul(probabilities, values);
    return [g.reshape(g.transpose(g.reshape(attended, [B, nHead, T, hd]), [0, 2, 1, 3]), [N, d]), {queries, keys, values, probabilities}];
  };

  /** dq [B, T, nHead, hd] and dk [B, T, nKv, hd] (still roped) and dv [N, kvDim] from d(merged) [N, d]. */
  const attentionBack = (dMerged: string, record: Attention): {dq: string; dk: string; dv: string} => {
    const dAttended = g.reshape(g.transpose(g.reshape(dMerged, [B, T, nHead, hd]), [0, 2, 1, 3]), [B, nKv, groups * T, hd]);
    const dProbabilities = g.matmul(dAttended, g.transpose(record.values, [0, 1, 3, 2]));
    const dValues = g.matmul(g.transpose(record.probabilities, [0, 1, 3, 2]), dAttended);
    const rowDot = g.reduceSum(g.mul(dProbabilities, record.probabilities), [-1], true);
    const dScores = g.scale(g.mul(record.probabilities, g.sub(dProbabilities, rowDot)), attentionScale);
    const dQueries = g.matmul(dScores, record.keys);
    const dKeys = g.matmul(g.transpose(dScores, [0, 1, 3, 2]), record.queries);
    return {
      dq: g.transpose(g.reshape(dQueries, [B, nHead, T, hd]), [0, 2, 1, 3]),
      dk: g.transpose(dKeys, [0, 2, 1, 3]),
      dv: g.reshape(g.transpose(dValues, [0, 2, 1, 3]), [N, kvDim])
    };
  };

  /** Rounds to float16's 11 significant bits exactly as the jax graph does (Veltkamp's split); gradient 1. */
  const roundToHalf = (value: string): string => {
    const c = g.scale(value, 8193);
    return g.sub(c, g.sub(c, value));
  };

  /** Builds one block's forward pass and returns its backward: d(block output) -> d(block input). */
  type BlockBack = (dh: string, first: boolean) => string;

  const needInputOf = (first: boolean, record: Norm): boolean => !first || options.inputGrad || normNeedsInput(record);

  const llamaBlock = (h: string, p: string): [string, BlockBack] => {
    const [normed, attnNorm] = norm(h, `${p}attn_norm`);
    const [qFlat, q] = linear(normed, `${p}attn_q.weight`);
    const [kFlat, k] = linear(normed, `${p}attn_k.weight`);
    const [vFlat, v] = linear(normed, `${p}attn_v.weight`);
    const [merged, att] = attention(rope(qFlat, nHead, sin), rope(kFlat, nKv, sin), vFlat);
    const [attnOut, output] = linear(merged, `${p}attn_output.weight`);
    const h1 = g.add(h, attnOut);
    const [ffnIn, ffnNorm] = norm(h1, `${p}ffn_norm`);
    const [gateValue, gate] = linear(ffnIn, `${p}ffn_gate.weight`);
    const [upValue, up] = linear(ffnIn, `${p}ffn_up.weight`);
    const sigmoid = g.op("Sigmoid", [gateValue]);
    const silu = g.mul(gateValue, sigmoid);
    const [mlpOut, down] = linear(g.mul(silu, upValue), `${p}ffn_down.weight`);
    const back: BlockBack = (dh, first) => {
      const dMlp = linearBack(dh, down, true)!;
      const dUp = g.mul(dMlp, silu);
      // silu'(z) = s (1 + z (1 - s)), s = sigmoid(z).
      const one = constant(1);
      const dGate = g.mul(g.mul(dMlp, upValue), g.mul(sigmoid, g.add(one, g.mul(gateValue, g.sub(one, sigmoid)))));
      const dh1 = g.add(dh, normBack(g.add(linearBack(dGate, gate, true)!, linearBack(dUp, up, true)!), ffnNorm));
      const {dq, dk, dv} = attentionBack(linearBack(dh1, output, true)!, att);
      const needInput = needInputOf(first, attnNorm);
      const dNormed = [linearBack(rope(dq, nHead, negSin), q, needInput), linearBack(rope(dk, nKv, negSin), k, needInput), linearBack(dv, v, needInput)];
      return needInput ? g.add(dh1, normBack(g.add(g.add(dNormed[0]!, dNormed[1]!), dNormed[2]!), attnNorm)) : dh1;
    };
    return [g.add(h1, mlpOut), back];
  };

  const neoxBlock = (h: string, p: string, neoxConfig: GptNeoxConfig): [string, BlockBack] => {
    const [normed, attnNorm] = norm(h, `${p}attn_norm`);
    const [qkvFlat, qkv] = linear(normed, `${p}attn_qkv.weight`, `${p}attn_qkv.bias`);
    const [q, k, v] = g.ops("Split", [g.reshape(qkvFlat, [B, T, 3, nHead, hd])], 3, {axis: {int: 2}}) as [string, string, string];
    const [merged, att] = attention(rope(q, nHead, sin), rope(k, nHead, sin), g.reshape(v, [N, d]));
    const [attnOut, output] = linear(merged, `${p}attn_output.weight`, `${p}attn_output.bias`);
    const h1 = neoxConfig.useParallelResidual ? h : g.add(h, attnOut);
    const [ffnIn, ffnNorm] = norm(h1, `${p}ffn_norm`);
    const [upValue, up] = linear(ffnIn, `${p}ffn_up.weight`, `${p}ffn_up.bias`);
    const u = options.smoothGelu === true ? upValue : roundToHalf(upValue);
    const inner = g.scale(g.add(u, g.scale(g.mul(u, g.mul(u, u)), GELU_CUBIC)), GELU_K);
    const t = g.op("Tanh", [inner]);
    const half = constant(0.5);
    const one = constant(1);
    const gelu = g.mul(g.mul(half, u), g.add(one, t));
    const [mlpOut, down] = linear(options.smoothGelu === true ? gelu : roundToHalf(gelu), `${p}ffn_down.weight`, `${p}ffn_down.bias`);
    const out = neoxConfig.useParallelResidual ? g.add(g.add(h, attnOut), mlpOut) : g.add(h1, mlpOut);
    const back: BlockBack = (dh, first) => {
      const dAct = linearBack(dh, down, true)!;
      // gelu'(u) = (1 + t) / 2 + u (1 - t^2) k (1 + 3 c u^2) / 2, through the roundings unchanged.
      const slope = g.add(
        g.mul(half, g.add(one, t)),
        g.mul(g.mul(half, u), g.mul(g.sub(one, g.mul(t, t)), g.scale(g.add(one, g.scale(g.mul(u, u), 3 * GELU_CUBIC)), GELU_K)))
      );
      const mlpNeedsInput = !neoxConfig.useParallelResidual || needInputOf(first, ffnNorm);
      const dFfnIn = linearBack(g.mul(dAct, slope), up, mlpNeedsInput);
      const dh1 = dFfnIn == null ? dh : g.add(dh, normBack(dFfnIn, ffnNorm));
      // Parallel: the attention branch reads the block input, so its gradient is the output's, dh.
      const {dq, dk, dv} = attentionBack(linearBack(neoxConfig.useParallelResidual ? dh : dh1, output, true)!, att);
      const needInput = needInputOf(first, attnNorm);
      const dqkv = g.reshape(
        g.op("Concat", [rope(dq, nHead, negSin), rope(dk, nHead, negSin), dv].map((value) => g.reshape(value, [B, T, 1, nHead, hd])), {axis: {int: 2}}),
        [N, 3 * d]
      );
      const dNormed = linearBack(dqkv, qkv, needInput);
      return dNormed == null ? dh1 : g.add(dh1, normBack(dNormed, attnNorm));
    };
    return [out, back];
  };

  const backs: BlockBack[] = [];
  let h = x;
  for (let i = 0; i < config.blockCount; i++) {
    const [out, back] = neox == null ? llamaBlock(h, `blk.${i}.`) : neoxBlock(h, `blk.${i}.`, neox);
    h = out;
    backs.push(back);
  }
  const [final, finalNorm] = norm(h, "output_norm");
  const finish = (dFinal: string, name: string): StepGraph => {
    let dh = normBack(dFinal, finalNorm);
    for (let i = config.blockCount - 1; i >= 0; i--) dh = backs[i]!(dh, i === 0);
    if (options.inputGrad) g.output("dx", dh, "float", [N, d]);
    for (const [gradName, value] of gradOutputs) g.output(`grad.${gradName}`, value, "float", shapeOf(gradName));
    return {graph: g.graph(name), gradients};
  };

  if (kind === "rewards" || kind === "reward_loss" || kind === "reward_train") {
    // Inputs as for the loss, `loss_mask` each row's pooling weights (toRewardBatch); rows 2i and 2i+1 are a pair's
    // chosen and rejected sequences. loss = sum over real pairs of softplus(r_rejected - r_chosen).
    const lossMask = g.input("loss_mask", "float", [N, 1]);
    const headColumn = g.reshape(weight(REWARD_HEAD_TENSOR), [d, 1]);
    const rowMask = g.reshape(lossMask, [B, T]);
    const rewards = g.reduceSum(g.mul(g.reshape(g.matmul(final, headColumn), [B, T]), rowMask), [1], true);
    if (kind === "rewards") {
      g.output("rewards", g.reshape(rewards, [B]), "float", [B]);
      return {graph: g.graph("step_rewards"), gradients};
    }
    const [chosen, rejected] = g.ops("Split", [g.reshape(rewards, [B / 2, 2])], 2, {axis: {int: 1}}) as [string, string];
    // A padding pair has no marked token; its chosen row's mask sums to 0.
    const [chosenMask] = g.ops("Split", [g.reshape(lossMask, [B / 2, 2, T])], 2, {axis: {int: 1}}) as [string, string];
    const real = g.reshape(g.reduceSum(chosenMask, [-1], false), [B / 2, 1]);
    const margin = g.sub(chosen, rejected);
    g.output("loss", g.sumAll(g.mul(g.op("Softplus", [g.op("Neg", [margin])]), real)), "float", []);
    if (!train) return {graph: g.graph("step_reward_loss"), gradients};
    // d loss / d margin = (sigmoid(margin) - 1) * real; the rejected reward gets its negative.
    const dMargin = g.mul(g.sub(g.op("Sigmoid", [margin]), constant(1)), real);
    const dRewards = g.reshape(g.op("Concat", [dMargin, g.op("Neg", [dMargin])], {axis: {int: 1}}), [B, 1]);
    const dPerToken = g.reshape(g.mul(rowMask, dRewards), [N, 1]);
    if (options.trainable.has(REWARD_HEAD_TENSOR)) gradient(REWARD_HEAD_TENSOR, g.reshape(g.gemm(dPerToken, final, {transA: true}), [d]));
    return finish(g.matmul(dPerToken, g.reshape(REWARD_HEAD_TENSOR, [1, d])), "step_reward_train");
  }

  const [logits, head] = linear(final, config.tiedEmbeddings ? EMBEDDING : "output.weight");

  if (kind === "logits") {
    g.output("logits", logits, "float", [N, V]);
    return {graph: g.graph("step_logits"), gradients};
  }
  const targets = g.input("targets", "int64", [N, 1]);
  const lossMask = g.input("loss_mask", "float", [N, 1]);
  const logProbabilities = g.op("LogSoftmax", [logits], {axis: {int: -1}});
  const picked = g.op("GatherElements", [logProbabilities, targets], {axis: {int: 1}});
  g.output("loss", g.op("Neg", [g.sumAll(g.mul(picked, lossMask))]), "float", []);
  if (!train) return {graph: g.graph("step_loss"), gradients};

  // (softmax - onehot) * mask, with the one-hot part scattered in: a [N, vocab] one-hot costs as much as a matmul.
  const probabilities = g.op("Exp", [logProbabilities]);
  const dLogits = g.op("ScatterElements", [g.mul(probabilities, lossMask), targets, g.op("Neg", [lossMask])], {
    axis: {int: 1},
    reduction: {string: "add"}
  });
  return finish(linearBack(dLogits, head, true)!, "step_train");
}

/**
 * About how many bytes onnxruntime holds at the peak of a train step: per block the activations the backward pass
 * reads (~10 [N, d], 5 [N, ff] and the [B, heads, T, T] attention probabilities), the attention backward's
 * transients, the [N, vocab] logits and their gradient, and parameters with gradients; times 1.5 for the
 * allocator's slack (measured: bench:train's model estimates 0.7 GB and peaks at 1.5 GB RSS).
 *
 * @example
 * stepGraphBytes({config, batchSize: 8, length: 256}); // ~1e9 for bench:train's model
 */
export function stepGraphBytes(options: {config: ModelConfig; batchSize: number; length: number}): number {
  const {config, batchSize: B, length: T} = options;
  const N = B * T;
  const attention = B * config.headCount * T * T;
  const perBlock = 10 * N * config.embeddingLength + 5 * N * config.feedForwardLength + attention;
  const parameters = modelTensorSpecs(config).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
  return 1.5 * 4 * (config.blockCount * perBlock + 4 * attention + 4 * N * config.vocabSize + 2 * parameters);
}
