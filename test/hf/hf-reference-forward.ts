import {float16BitsToFloat32, float32ToFloat16Bits} from "../../src/gguf/index.js";
import {referenceLayerNorm} from "../support/reference-math.js";
import type {HfWeights, TinyLlamaConfig, TinyNeoxConfig} from "./random-hf-folder.js";

/**
 * Plain-JS forward passes with Hugging Face's own semantics on Hugging Face's own weight layout (transformers'
 * modeling_llama / modeling_gpt_neox: rotate_half RoPE, per-head fused q/k/v), in float64: the reference the
 * converted GGUF is held to. GeLU is computed as llama.cpp's CPU backend does (tanh form through an F16 table),
 * since that is llama.cpp's choice, not the converter's.
 */

type Matrix = {shape: number[]; data: Float32Array};

function get(weights: HfWeights, name: string): Matrix {
  const tensor = weights.get(name);
  if (tensor == null) throw new Error(`missing ${name}`);
  return tensor;
}

/** y = W x (+ b) for W [out, in]. */
function linear(w: Matrix, x: Float64Array, b?: Matrix): Float64Array {
  const [out, inDim] = w.shape as [number, number];
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let sum = b == null ? 0 : b.data[o]!;
    for (let i = 0; i < inDim; i++) sum += w.data[o * inDim + i]! * x[i]!;
    y[o] = sum;
  }
  return y;
}

function rmsNorm(x: Float64Array, w: Matrix, eps: number): Float64Array {
  let sum = 0;
  for (const v of x) sum += v * v;
  const scale = 1 / Math.sqrt(sum / x.length + eps);
  return x.map((v, i) => v * scale * w.data[i]!);
}

function layerNorm(x: Float64Array, w: Matrix, b: Matrix, eps: number): Float64Array {
  return referenceLayerNorm(x, w.data, b.data, eps);
}

/** transformers' apply_rotary_pos_emb on the first `dims` values of one head vector: x*cos + rotate_half(x)*sin. */
function rotate(head: Float64Array, position: number, dims: number, base: number): void {
  const half = dims / 2;
  const copy = head.slice(0, dims);
  for (let i = 0; i < dims; i++) {
    const j = i % half;
    const angle = position * Math.pow(base, (-2 * j) / dims);
    const rotated = i < half ? -copy[i + half]! : copy[i - half]!;
    head[i] = copy[i]! * Math.cos(angle) + rotated * Math.sin(angle);
  }
}

/** Causal attention of position t over keys/values 0..t, heads sharing kv heads in groups. */
function attend(q: Float64Array[], keys: Float64Array[][], values: Float64Array[][], headDim: number): Float64Array {
  const nHead = q.length;
  const group = nHead / keys[0]!.length;
  const out = new Float64Array(nHead * headDim);
  for (let h = 0; h < nHead; h++) {
    const kvHead = Math.floor(h / group);
    const scores = keys.map((k) => {
      let dot = 0;
      for (let d = 0; d < headDim; d++) dot += q[h]![d]! * k[kvHead]![d]!;
      return dot / Math.sqrt(headDim);
    });
    const max = Math.max(...scores);
    const exps = scores.map((s) => Math.exp(s - max));
    const total = exps.reduce((a, b) => a + b, 0);
    for (let s = 0; s < values.length; s++)
      for (let d = 0; d < headDim; d++) out[h * headDim + d]! += (exps[s]! / total) * values[s]![kvHead]![d]!;
  }
  return out;
}

function split(vector: Float64Array, heads: number, headDim: number, at = (h: number) => h * headDim): Float64Array[] {
  return Array.from({length: heads}, (_, h) => vector.slice(at(h), at(h) + headDim));
}

function logSoftmax(logits: Float64Array): Float64Array {
  const max = Math.max(...logits);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return logits.map((v) => v - lse);
}

const f16 = (x: number): number => float16BitsToFloat32(float32ToFloat16Bits(x));

function ggmlGelu(x: number): number {
  if (x <= -10) return 0;
  if (x >= 10) return x;
  const h = f16(x);
  return f16(0.5 * h * (1 + Math.tanh(0.7978845608028654 * h * (1 + 0.044715 * h * h))));
}

/** Next-token log-probabilities at every position (modeling_llama). */
export function llamaReferenceLogProbs(config: TinyLlamaConfig, weights: HfWeights, tokens: readonly number[]): Float64Array[] {
  const headDim = config.hidden / config.heads;
  const eps = config.rmsEps ?? 1e-5;
  const keys: Float64Array[][][] = Array.from({length: config.layers}, () => []);
  const values: Float64Array[][][] = Array.from({length: config.layers}, () => []);
  return tokens.map((token, t) => {
    const embed = get(weights, "model.embed_tokens.weight");
    let x = Float64Array.from(embed.data.subarray(token * config.hidden, (token + 1) * config.hidden));
    for (let l = 0; l < config.layers; l++) {
      const p = `model.layers.${l}.`;
      const h = rmsNorm(x, get(weights, `${p}input_layernorm.weight`), eps);
      const q = split(linear(get(weights, `${p}self_attn.q_proj.weight`), h), config.heads, headDim);
      const k = split(linear(get(weights, `${p}self_attn.k_proj.weight`), h), config.kvHeads, headDim);
      const v = split(linear(get(weights, `${p}self_attn.v_proj.weight`), h), config.kvHeads, headDim);
      for (const head of [...q, ...k]) rotate(head, t, headDim, config.ropeTheta ?? 10000);
      keys[l]!.push(k);
      values[l]!.push(v);
      const attn = linear(get(weights, `${p}self_attn.o_proj.weight`), attend(q, keys[l]!, values[l]!, headDim));
      x = x.map((value, i) => value + attn[i]!);
      const h2 = rmsNorm(x, get(weights, `${p}post_attention_layernorm.weight`), eps);
      const gate = linear(get(weights, `${p}mlp.gate_proj.weight`), h2);
      const up = linear(get(weights, `${p}mlp.up_proj.weight`), h2);
      const mlp = linear(get(weights, `${p}mlp.down_proj.weight`), gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!));
      x = x.map((value, i) => value + mlp[i]!);
    }
    const final = rmsNorm(x, get(weights, "model.norm.weight"), eps);
    return logSoftmax(linear(get(weights, config.tied ? "model.embed_tokens.weight" : "lm_head.weight"), final));
  });
}

/** Next-token log-probabilities at every position (modeling_gpt_neox). */
export function neoxReferenceLogProbs(config: TinyNeoxConfig, weights: HfWeights, tokens: readonly number[]): Float64Array[] {
  const headDim = config.hidden / config.heads;
  const rotary = Math.trunc(headDim * config.rotaryPct);
  const eps = config.layerNormEps ?? 1e-5;
  const keys: Float64Array[][][] = Array.from({length: config.layers}, () => []);
  const values: Float64Array[][][] = Array.from({length: config.layers}, () => []);
  return tokens.map((token, t) => {
    const embed = get(weights, "gpt_neox.embed_in.weight");
    let x = Float64Array.from(embed.data.subarray(token * config.hidden, (token + 1) * config.hidden));
    for (let l = 0; l < config.layers; l++) {
      const p = `gpt_neox.layers.${l}.`;
      const ln1 = layerNorm(x, get(weights, `${p}input_layernorm.weight`), get(weights, `${p}input_layernorm.bias`), eps);
      const qkv = linear(get(weights, `${p}attention.query_key_value.weight`), ln1, get(weights, `${p}attention.query_key_value.bias`));
      // HF views the fused output as (head, 3 * headDim): q, k, v of head h sit side by side.
      const q = split(qkv, config.heads, headDim, (h) => h * 3 * headDim);
      const k = split(qkv, config.heads, headDim, (h) => h * 3 * headDim + headDim);
      const v = split(qkv, config.heads, headDim, (h) => h * 3 * headDim + 2 * headDim);
      for (const head of [...q, ...k]) rotate(head, t, rotary, 10000);
      keys[l]!.push(k);
      values[l]!.push(v);
      const attn = linear(get(weights, `${p}attention.dense.weight`), attend(q, keys[l]!, values[l]!, headDim), get(weights, `${p}attention.dense.bias`));
      const mlp = (input: Float64Array): Float64Array => {
        const ln2 = layerNorm(input, get(weights, `${p}post_attention_layernorm.weight`), get(weights, `${p}post_attention_layernorm.bias`), eps);
        const up = linear(get(weights, `${p}mlp.dense_h_to_4h.weight`), ln2, get(weights, `${p}mlp.dense_h_to_4h.bias`));
        return linear(get(weights, `${p}mlp.dense_4h_to_h.weight`), up.map(ggmlGelu), get(weights, `${p}mlp.dense_4h_to_h.bias`));
      };
      if (config.parallelResidual) {
        const m = mlp(x);
        x = x.map((value, i) => value + attn[i]! + m[i]!);
      } else {
        x = x.map((value, i) => value + attn[i]!);
        const m = mlp(x);
        x = x.map((value, i) => value + m[i]!);
      }
    }
    const final = layerNorm(x, get(weights, "gpt_neox.final_layer_norm.weight"), get(weights, "gpt_neox.final_layer_norm.bias"), eps);
    return logSoftmax(linear(get(weights, "embed_out.weight"), final));
  });
}
