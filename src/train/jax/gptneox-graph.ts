import type {Array as JaxArray} from "@jax-js/jax";
import type {GptNeoxConfig} from "../gptneox-config.js";
import type {GraphInputs, LlamaGraph, LoraSpec, Tensors} from "./llama-graph.js";
import type {Jax} from "./load-jax.js";

/**
 * The `gptneox` architecture as llama.cpp computes it (src/models/gptneox.cpp): LayerNorm with bias, one fused
 * QKV projection whose GGUF rows are [q (all heads); k; v] (convert_hf_to_gguf reorders HF's per-head
 * interleaving), NeoX-style RoPE (halves rotated, not adjacent pairs) on the first `ropeDims` of each head,
 * biased projections, GeLU in its tanh form with ggml's float16 rounding (HF's Pythia configs name the exact erf
 * form; llama.cpp runs the tanh one, and llama.cpp is where the result runs), parallel or sequential residual,
 * untied head without bias.
 *
 * The RoPE tables in `inputs` are [T, 1, ropeDims/2]. Ownership as in createLlamaGraph: every array passed in
 * is consumed once.
 */
export function createGptNeoxGraph(jax: Jax, config: GptNeoxConfig, lora?: LoraSpec, options: {smoothGelu?: boolean} = {}): LlamaGraph {
  const np = jax.numpy;
  const nn = jax.nn;
  const d = config.embeddingLength;
  const nHead = config.headCount;
  const hd = d / nHead;
  const rot = config.ropeDims;
  const scale = 1 / Math.sqrt(hd);

  function take(weights: Tensors, name: string): JaxArray {
    const value = weights[name];
    if (value == null) throw new Error(`gptneox graph: missing tensor ${name}`);
    return value;
  }

  /** ggml_norm then gain and bias: (x - mean) / sqrt(var + eps) * w + b over the last axis. */
  function layerNorm(weights: Tensors, x: JaxArray, prefix: string): JaxArray {
    const centered = x.sub(np.mean(x.ref, -1, {keepdims: true}));
    const variance = np.mean(np.square(centered.ref), -1, {keepdims: true});
    return centered.div(np.sqrt(variance.add(config.layerNormEps))).mul(take(weights, `${prefix}.weight`)).add(take(weights, `${prefix}.bias`));
  }

  /** y = x W^T (+ LoRA) (+ b), x [N, in], W [out, in]. Consumes x. */
  function linear(weights: Tensors, x: JaxArray, name: string, inputs: GraphInputs, bias?: string): JaxArray {
    const w = take(weights, name);
    let y: JaxArray;
    if (lora == null || !lora.targets.has(name)) y = np.einsum("ni,oi->no", x, w);
    else {
      const a = take(weights, `${name}.lora_a`);
      const b = take(weights, `${name}.lora_b`);
      const mask = inputs.dropout?.[name];
      if (mask == null) y = np.einsum("ni,oi->no", x, w.add(np.einsum("or,ri->oi", b, a).mul(lora.scale)));
      else {
        const low = np.einsum("ni,ri->nr", x.ref.mul(mask), a);
        y = np.einsum("ni,oi->no", x, w).add(np.einsum("nr,or->no", low, b).mul(lora.scale));
      }
    }
    return bias == null ? y : y.add(take(weights, bias));
  }

  /** NeoX RoPE on the first `rot` dims of each head: (x_i, x_{i+rot/2}) rotated; the rest pass through. x [B,T,H,hd]. */
  function rope(x: JaxArray, cos: JaxArray, sin: JaxArray): JaxArray {
    if (rot === 0) {
      cos.dispose();
      sin.dispose();
      return x;
    }
    const half = rot / 2;
    const first = x.ref.slice([], [], [], [0, half]);
    const second = x.ref.slice([], [], [], [half, rot]);
    const rotatedFirst = first.ref.mul(cos.ref).sub(second.ref.mul(sin.ref));
    const rotatedSecond = first.mul(sin).add(second.mul(cos));
    const parts = [rotatedFirst, rotatedSecond];
    if (rot < hd) parts.push(x.slice([], [], [], [rot, hd]));
    else x.dispose();
    return np.concatenate(parts, -1);
  }

  /**
   * Rounds to float16's 11 significant bits (Veltkamp's split: c - (c - x) with c = x * (2^13 + 1)). Its derivative
   * through autodiff is exactly 1, so the gradient passes straight through.
   */
  function roundToHalf(x: JaxArray): JaxArray {
    const c = x.ref.mul(8193);
    return c.ref.sub(c.sub(x));
  }

  /**
   * ggml_gelu on the CPU: the tanh form looked up in a float16 table (GGML_GELU_FP16), so input and output are
   * rounded to float16; without the rounding the logits differ from llama.cpp's by about 1e-3.
   */
  function ggmlGelu(x: JaxArray): JaxArray {
    if (options.smoothGelu === true) return nn.gelu(x, {approximate: true});
    return roundToHalf(nn.gelu(roundToHalf(x), {approximate: true}));
  }

  function mlp(weights: Tensors, x: JaxArray, p: string, inputs: GraphInputs): JaxArray {
    const up = ggmlGelu(linear(weights, x, `${p}ffn_up.weight`, inputs, `${p}ffn_up.bias`));
    return linear(weights, up, `${p}ffn_down.weight`, inputs, `${p}ffn_down.bias`);
  }

  function hidden(weights: Tensors, inputs: GraphInputs): JaxArray {
    const [batch, time] = inputs.x.shape as [number, number];
    const n = batch * time;
    let h = inputs.x.reshape([n, d]);
    for (let i = 0; i < config.blockCount; i++) {
      const p = `blk.${i}.`;
      const normed = layerNorm(weights, h.ref, `${p}attn_norm`);
      const qkv = linear(weights, normed, `${p}attn_qkv.weight`, inputs, `${p}attn_qkv.bias`).reshape([batch, time, 3, nHead, hd]);
      const q = qkv.ref.slice([], [], 0);
      const k = qkv.ref.slice([], [], 1);
      const v = qkv.slice([], [], 2);
      const attended = nn.dotProductAttention(rope(q, inputs.cos.ref, inputs.sin.ref), rope(k, inputs.cos.ref, inputs.sin.ref), v, {isCausal: true, scale});
      const attnOut = linear(weights, attended.reshape([n, d]), `${p}attn_output.weight`, inputs, `${p}attn_output.bias`);
      if (config.useParallelResidual) {
        const ffnOut = mlp(weights, layerNorm(weights, h.ref, `${p}ffn_norm`), p, inputs);
        h = h.add(attnOut).add(ffnOut);
      } else {
        h = h.add(attnOut);
        h = h.ref.add(mlp(weights, layerNorm(weights, h, `${p}ffn_norm`), p, inputs));
      }
    }
    inputs.cos.dispose();
    inputs.sin.dispose();
    return layerNorm(weights, h, "output_norm");
  }

  function logits(weights: Tensors, inputs: GraphInputs): JaxArray {
    return linear(weights, hidden(weights, inputs), "output.weight", inputs);
  }

  return {
    logits,
    loss(weights, inputs) {
      const z = logits(weights, inputs);
      const logZ = nn.logsumexp(z.ref, -1);
      // A comparison, not nn.oneHot, for the reason in createLlamaGraph.
      const n = inputs.targets.shape[0]!;
      const classes = np.arange(config.vocabSize, undefined, undefined, {dtype: np.int32}).reshape([1, config.vocabSize]);
      const oneHot = np.equal(inputs.targets.reshape([n, 1]), classes).astype(z.dtype);
      const picked = z.mul(oneHot).sum(-1);
      return logZ.sub(picked).mul(inputs.lossMask).sum();
    }
  };
}
