import type {Array as JaxArray} from "@jax-js/jax";
import {headDim, type LlamaConfig} from "../llama-config.js";
import {REWARD_HEAD_TENSOR} from "../reward-batch.js";
import type {Jax} from "./load-jax.js";

/**
 * The `llama` architecture as llama.cpp computes it (src/models/llama.cpp): pre-RMSNorm blocks, RoPE in
 * llama.cpp's "normal" layout (rotating adjacent pairs; GGUF files store Q/K already permuted for it),
 * grouped-query attention, SwiGLU, final RMSNorm, tied or untied head. Weights use GGUF names and GGUF's
 * row-major layout ([out, in]), so what we train is exactly what llama.cpp runs.
 *
 * jax-js ownership: every array in `weights` and `inputs` is consumed exactly once here; callers pass
 * `tree.ref(...)` to keep theirs.
 */

export type Tensors = Record<string, JaxArray>;

export interface LoraSpec {
  /** GGUF weight names that carry an adapter, e.g. `blk.0.attn_q.weight`. */
  readonly targets: ReadonlySet<string>;
  /** alpha / r, as llama.cpp scales `B(A x)`. */
  readonly scale: number;
}

export interface GraphInputs {
  /** Token embeddings [B, T, d], gathered outside the graph so jit never sees a scatter. */
  readonly x: JaxArray;
  /** RoPE tables [T, 1, headDim/2]. */
  readonly cos: JaxArray;
  readonly sin: JaxArray;
  /** LoRA input dropout masks (already scaled by 1/(1-p)) by weight name, [B*T, in]. */
  readonly dropout?: Tensors;
}

export interface LossInputs extends GraphInputs {
  /** Next-token ids [B*T] (any valid id where masked). */
  readonly targets: JaxArray;
  /** 1 where the token counts in the loss, 0 for -100 labels and padding [B*T]. */
  readonly lossMask: JaxArray;
}

export interface LlamaGraph {
  /** Logits [B*T, vocab]. */
  logits(weights: Tensors, inputs: GraphInputs): JaxArray;
  /** Summed masked next-token cross-entropy (a scalar). */
  loss(weights: Tensors, inputs: LossInputs): JaxArray;
  /** One reward per row [B]: the head on the final hidden states weighted by `lossMask` (the row's pooling, toRewardBatch). */
  rewards?(weights: Tensors, inputs: LossInputs): JaxArray;
  /**
   * Summed Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) over pairs of rows (2i chosen, 2i+1 rejected);
   * a pair with no marked token (padding) counts nothing. `targets` is unused.
   */
  rewardLoss?(weights: Tensors, inputs: LossInputs): JaxArray;
}

export function createLlamaGraph(jax: Jax, config: LlamaConfig, lora?: LoraSpec): LlamaGraph {
  const np = jax.numpy;
  const nn = jax.nn;
  const d = config.embeddingLength;
  const hd = headDim(config);
  const nHead = config.headCount;
  const nKv = config.headCountKv;
  const scale = config.attentionScale === 0 ? 1 / Math.sqrt(hd) : config.attentionScale;

  function take(weights: Tensors, name: string): JaxArray {
    const value = weights[name];
    if (value == null) throw new Error(`llama graph: missing tensor ${name}`);
    return value;
  }

  function rmsNorm(x: JaxArray, weight: JaxArray): JaxArray {
    const meanSquare = np.mean(np.square(x.ref), -1, {keepdims: true});
    return x.div(np.sqrt(meanSquare.add(config.rmsNormEps))).mul(weight);
  }

  /** y = x W^T (+ scale * (x A^T) B^T), x [N, in], W [out, in]. Consumes x. */
  function linear(weights: Tensors, x: JaxArray, name: string, inputs: GraphInputs): JaxArray {
    const w = take(weights, name);
    if (lora == null || !lora.targets.has(name)) return np.einsum("ni,oi->no", x, w);
    const a = take(weights, `${name}.lora_a`);
    const b = take(weights, `${name}.lora_b`);
    const mask = inputs.dropout?.[name];
    if (mask == null) {
      // Without dropout x(W + sBA)^T equals xW^T + s(xA^T)B^T, and jax-js's kernels for a rank-r inner
      // dimension over [N, out] are far slower than one more full-size matmul.
      const merged = w.add(np.einsum("or,ri->oi", b, a).mul(lora.scale));
      return np.einsum("ni,oi->no", x, merged);
    }
    const y = np.einsum("ni,oi->no", x.ref, w);
    const low = np.einsum("ni,ri->nr", x.mul(mask), a);
    return y.add(np.einsum("nr,or->no", low, b).mul(lora.scale));
  }

  /** llama.cpp's normal-mode RoPE: pairs (2i, 2i+1) rotated by pos * base^(-2i/headDim). x [B,T,H,hd]. */
  function rope(x: JaxArray, cos: JaxArray, sin: JaxArray): JaxArray {
    const [batch, time, heads] = x.shape as [number, number, number];
    const pairs = x.reshape([batch, time, heads, hd / 2, 2]);
    const even = pairs.ref.slice([], [], [], [], 0);
    const odd = pairs.slice([], [], [], [], 1);
    const outEven = even.ref.mul(cos.ref).sub(odd.ref.mul(sin.ref));
    const outOdd = even.mul(sin).add(odd.mul(cos));
    return np.stack([outEven, outOdd], -1).reshape([batch, time, heads, hd]);
  }

  function hidden(weights: Tensors, inputs: GraphInputs): JaxArray {
    const [batch, time] = inputs.x.shape as [number, number];
    const n = batch * time;
    let h = inputs.x.reshape([n, d]);
    for (let i = 0; i < config.blockCount; i++) {
      const p = `blk.${i}.`;
      const normed = rmsNorm(h.ref, take(weights, `${p}attn_norm.weight`));
      const q = linear(weights, normed.ref, `${p}attn_q.weight`, inputs).reshape([batch, time, nHead, hd]);
      const k = linear(weights, normed.ref, `${p}attn_k.weight`, inputs).reshape([batch, time, nKv, hd]);
      const v = linear(weights, normed, `${p}attn_v.weight`, inputs).reshape([batch, time, nKv, hd]);
      const attended = nn.dotProductAttention(
        rope(q, inputs.cos.ref, inputs.sin.ref),
        rope(k, inputs.cos.ref, inputs.sin.ref),
        v,
        {isCausal: true, scale}
      );
      h = h.add(linear(weights, attended.reshape([n, d]), `${p}attn_output.weight`, inputs));
      const ffnIn = rmsNorm(h.ref, take(weights, `${p}ffn_norm.weight`));
      const gate = nn.silu(linear(weights, ffnIn.ref, `${p}ffn_gate.weight`, inputs));
      const up = linear(weights, ffnIn, `${p}ffn_up.weight`, inputs);
      h = h.add(linear(weights, gate.mul(up), `${p}ffn_down.weight`, inputs));
    }
    inputs.cos.dispose();
    inputs.sin.dispose();
    return rmsNorm(h, take(weights, "output_norm.weight"));
  }

  function logits(weights: Tensors, inputs: GraphInputs): JaxArray {
    const h = hidden(weights, inputs);
    const head = config.tiedEmbeddings ? "token_embd.weight" : "output.weight";
    return linear(weights, h, head, inputs);
  }

  function rewards(weights: Tensors, inputs: LossInputs): JaxArray {
    const [batch, time] = inputs.x.shape as [number, number];
    inputs.targets.dispose();
    const h = hidden(weights, inputs);
    const perToken = np.einsum("nd,d->n", h, take(weights, REWARD_HEAD_TENSOR));
    return perToken.mul(inputs.lossMask).reshape([batch, time]).sum(-1);
  }

  return {
    logits,
    rewards,
    rewardLoss(weights, inputs) {
      const [batch, time] = inputs.x.shape as [number, number];
      const real = inputs.lossMask.ref.reshape([batch / 2, 2, time]).slice([], 0).sum(-1);
      const pairs = rewards(weights, inputs).reshape([batch / 2, 2]);
      const margin = pairs.ref.slice([], 0).sub(pairs.slice([], 1));
      return nn.softplus(margin.neg()).mul(real).sum();
    },
    loss(weights, inputs) {
      const z = logits(weights, inputs);
      const logZ = nn.logsumexp(z.ref, -1);
      // A comparison, not nn.oneHot: that gathers rows of eye(vocab), which jit materialises (vocab^2 floats).
      const n = inputs.targets.shape[0]!;
      const classes = np.arange(config.vocabSize, undefined, undefined, {dtype: np.int32}).reshape([1, config.vocabSize]);
      const oneHot = np.equal(inputs.targets.reshape([n, 1]), classes).astype(z.dtype);
      const picked = z.mul(oneHot).sum(-1);
      return logZ.sub(picked).mul(inputs.lossMask).sum();
    }
  };
}
