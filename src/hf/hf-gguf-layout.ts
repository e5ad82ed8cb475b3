import {join} from "node:path";
import type {GgufValue} from "../gguf/index.js";
import {HfModelError} from "./hf-errors.js";
import {configNumber, HF_ARCHITECTURES, type HfFolder} from "./hf-folder.js";

/**
 * How llama.cpp's convert_hf_to_gguf.py maps a Hugging Face llama or gpt_neox checkpoint onto GGUF: tensor names,
 * the row reorderings it applies (llama's rotary `permute` of q/k, GPT-NeoX's fused q/k/v regrouped from per-head
 * to per-kind) and the architecture metadata. The same mapping serves conversion, training straight from the
 * folder, and PEFT adapters (a row reordering of W is the same reordering of LoRA's B).
 */

export interface HfTensorMapping {
  readonly hfName: string;
  readonly ggufName: string;
  /** Row-major shape (PyTorch's), so GGUF dims are this reversed. */
  readonly shape: readonly number[];
  /** New row i is old row rows[i]; undefined when the rows stay as they are. */
  readonly rows?: Int32Array;
}

/** Architecture-specific hyper-parameters read from config.json. */
export interface HfHparams {
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nHeadKv: number;
}

export function hfHparams(folder: Pick<HfFolder, "dir" | "config" | "modelType">): HfHparams {
  const nEmbd = configNumber(folder, ["hidden_size", "n_embd", "dim"]);
  const nLayer = configNumber(folder, ["num_hidden_layers", "n_layers", "n_layer", "num_layers"]);
  const nHead = configNumber(folder, ["num_attention_heads", "n_head", "n_heads"]);
  const nHeadKv = folder.modelType === "llama" ? configNumber(folder, ["num_key_value_heads", "n_kv_heads"], nHead) : nHead;
  return {nEmbd, nLayer, nHead, nHeadKv};
}

/** LlamaModel.permute: within each of `groups` heads, rows [first half, second half] become interleaved pairs. */
function rotaryPermutation(rows: number, groups: number): Int32Array {
  const headDim = rows / groups;
  const half = headDim / 2;
  const order = new Int32Array(rows);
  for (let h = 0; h < groups; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) order[h * headDim + i * 2 + j] = h * headDim + j * half + i;
  return order;
}

/** GPTNeoXModel.modify_tensors: rows (head, q|k|v, d) regrouped as (q|k|v, head, d). */
function neoxQkvPermutation(nHead: number, nEmbd: number): Int32Array {
  const headDim = nEmbd / nHead;
  const order = new Int32Array(3 * nEmbd);
  for (let kind = 0; kind < 3; kind++)
    for (let h = 0; h < nHead; h++)
      for (let d = 0; d < headDim; d++) order[kind * nEmbd + h * headDim + d] = h * 3 * headDim + kind * headDim + d;
  return order;
}

/** The inverse reordering (GGUF rows back to Hugging Face's). */
export function invertRows(rows: Int32Array): Int32Array {
  const inverse = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) inverse[rows[i]!] = i;
  return inverse;
}

/** Rows of a row-major [rows.length, cols] matrix reordered: out row i = data row rows[i]. */
export function reorderRows(data: Float32Array, rows: Int32Array | undefined): Float32Array {
  if (rows == null) return data;
  const cols = data.length / rows.length;
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows.length; i++) out.set(data.subarray(rows[i]! * cols, (rows[i]! + 1) * cols), i * cols);
  return out;
}

const LLAMA_BLOCK: Readonly<Record<string, string>> = {
  "input_layernorm.weight": "attn_norm.weight",
  "self_attn.q_proj.weight": "attn_q.weight",
  "self_attn.k_proj.weight": "attn_k.weight",
  "self_attn.v_proj.weight": "attn_v.weight",
  "self_attn.o_proj.weight": "attn_output.weight",
  "post_attention_layernorm.weight": "ffn_norm.weight",
  "mlp.gate_proj.weight": "ffn_gate.weight",
  "mlp.up_proj.weight": "ffn_up.weight",
  "mlp.down_proj.weight": "ffn_down.weight"
};
const LLAMA_GLOBAL: Readonly<Record<string, string>> = {
  "model.embed_tokens.weight": "token_embd.weight",
  "model.norm.weight": "output_norm.weight",
  "lm_head.weight": "output.weight"
};
const NEOX_BLOCK: Readonly<Record<string, string>> = {
  "input_layernorm.weight": "attn_norm.weight",
  "input_layernorm.bias": "attn_norm.bias",
  "attention.query_key_value.weight": "attn_qkv.weight",
  "attention.query_key_value.bias": "attn_qkv.bias",
  "attention.dense.weight": "attn_output.weight",
  "attention.dense.bias": "attn_output.bias",
  "post_attention_layernorm.weight": "ffn_norm.weight",
  "post_attention_layernorm.bias": "ffn_norm.bias",
  "mlp.dense_h_to_4h.weight": "ffn_up.weight",
  "mlp.dense_h_to_4h.bias": "ffn_up.bias",
  "mlp.dense_4h_to_h.weight": "ffn_down.weight",
  "mlp.dense_4h_to_h.bias": "ffn_down.bias"
};
const NEOX_GLOBAL: Readonly<Record<string, string>> = {
  "gpt_neox.embed_in.weight": "token_embd.weight",
  "gpt_neox.final_layer_norm.weight": "output_norm.weight",
  "gpt_neox.final_layer_norm.bias": "output_norm.bias",
  "embed_out.weight": "output.weight"
};

/** Buffers HF keeps in some checkpoints that are no weights (the converter skips them too). */
const SKIPPED = /(?:\.attention\.bias|\.attention\.masked_bias|\.rotary_emb\.inv_freq)$/;

/** The GGUF name and row reordering of one Hugging Face weight name; undefined for a buffer that is skipped. */
export function mapHfTensorName(
  folder: Pick<HfFolder, "dir" | "config" | "modelType">,
  hfName: string,
  shape: readonly number[]
): Omit<HfTensorMapping, "shape"> | undefined {
  if (SKIPPED.test(hfName)) return undefined;
  const llama = folder.modelType === "llama";
  const block = /^(?:model|gpt_neox)\.layers\.(\d+)\.(.+)$/.exec(hfName);
  const suffix = block == null ? undefined : (llama ? LLAMA_BLOCK : NEOX_BLOCK)[block[2]!];
  const ggufName = block == null ? (llama ? LLAMA_GLOBAL : NEOX_GLOBAL)[hfName] : suffix == null ? undefined : `blk.${block[1]}.${suffix}`;
  if (ggufName == null || (block != null && !hfName.startsWith(llama ? "model." : "gpt_neox.")))
    throw new HfModelError(folder.dir, `tensor ${hfName} is not part of the ${folder.modelType} layout llama.cpp converts`);
  const rows = ggufRowOrder(folder, ggufName, shape[0]!);
  if (rows != null && rows.length !== shape[0]) throw new HfModelError(folder.dir, `tensor ${hfName} has ${shape[0]} rows, expected ${rows.length}`);
  return {hfName, ggufName, rows};
}

/** Every weight of the folder with its GGUF name, in the folder's order. */
export function hfTensorMappings(folder: HfFolder): HfTensorMapping[] {
  const out: HfTensorMapping[] = [];
  for (const [name, entry] of folder.tensors) {
    const mapping = mapHfTensorName(folder, name, entry.shape);
    if (mapping != null) out.push({...mapping, shape: entry.shape});
  }
  return out;
}

/** The HF name of the weight a GGUF name comes from (for PEFT adapters: `blk.3.attn_q.weight` -> `model.layers.3.self_attn.q_proj.weight`). */
export function hfNameOf(modelType: keyof typeof HF_ARCHITECTURES, ggufName: string): string | undefined {
  const llama = modelType === "llama";
  const global = Object.entries(llama ? LLAMA_GLOBAL : NEOX_GLOBAL).find(([, gguf]) => gguf === ggufName);
  if (global != null) return global[0];
  const block = /^blk\.(\d+)\.(.+)$/.exec(ggufName);
  if (block == null) return undefined;
  const entry = Object.entries(llama ? LLAMA_BLOCK : NEOX_BLOCK).find(([, gguf]) => gguf === block[2]);
  return entry == null ? undefined : `${llama ? "model" : "gpt_neox"}.layers.${block[1]}.${entry[0]}`;
}

/** The rotary/qkv row reordering of a GGUF weight (what a LoRA B on it needs too). */
export function ggufRowOrder(folder: Pick<HfFolder, "dir" | "config" | "modelType">, ggufName: string, rows: number): Int32Array | undefined {
  const h = hfHparams(folder);
  if (folder.modelType === "llama") {
    if (ggufName.endsWith("attn_q.weight")) return rotaryPermutation(rows, h.nHead);
    if (ggufName.endsWith("attn_k.weight")) return rotaryPermutation(rows, h.nHeadKv);
    return undefined;
  }
  return /attn_qkv\.(weight|bias)$/.test(ggufName) ? neoxQkvPermutation(h.nHead, h.nEmbd) : undefined;
}

const u32 = (value: number): GgufValue => ({type: "u32", value});
const f32 = (value: number): GgufValue => ({type: "f32", value});

/** The `<arch>.*` keys convert_hf_to_gguf.py writes (LlamaModel / GPTNeoXModel.set_gguf_parameters). */
export function hfArchitectureMetadata(folder: Pick<HfFolder, "dir" | "config" | "modelType">, vocabSize: number): Record<string, GgufValue> {
  const h = hfHparams(folder);
  const config = folder.config;
  const configPath = join(folder.dir, "config.json");
  const ff = configNumber(folder, ["intermediate_size", "n_inner", "hidden_dim"]);
  const context = configNumber(folder, ["max_position_embeddings", "n_ctx", "n_positions", "max_length"]);
  if (folder.modelType === "gpt_neox") {
    const rotaryPct = configNumber(folder, ["rotary_pct"], 1);
    return {
      "gptneox.context_length": u32(context),
      "gptneox.embedding_length": u32(h.nEmbd),
      "gptneox.block_count": u32(h.nLayer),
      "gptneox.feed_forward_length": u32(ff),
      "gptneox.rope.dimension_count": u32(Math.trunc(rotaryPct * Math.trunc(h.nEmbd / h.nHead))),
      "gptneox.attention.head_count": u32(h.nHead),
      "gptneox.use_parallel_residual": {type: "bool", value: config.use_parallel_residual !== false},
      "gptneox.attention.layer_norm_epsilon": f32(configNumber(folder, ["layer_norm_eps"]))
    };
  }
  const scaling = (config.rope_scaling ?? config.rope_parameters) as {rope_type?: string; type?: string} | null | undefined;
  const scalingType = scaling?.rope_type ?? scaling?.type;
  if (scalingType != null && scalingType !== "default")
    throw new HfModelError(configPath, `rope_scaling '${scalingType}' is not converted here`);
  const ropeTheta = (config.rope_theta ?? (config.rope_parameters as {rope_theta?: number} | undefined)?.rope_theta) as number | undefined;
  const headDim = configNumber(folder, ["head_dim"], Math.trunc(h.nEmbd / h.nHead));
  return {
    "llama.block_count": u32(h.nLayer),
    "llama.context_length": u32(context),
    "llama.embedding_length": u32(h.nEmbd),
    "llama.feed_forward_length": u32(ff),
    "llama.attention.head_count": u32(h.nHead),
    "llama.attention.head_count_kv": u32(h.nHeadKv),
    ...(typeof ropeTheta === "number" ? {"llama.rope.freq_base": f32(ropeTheta)} : {}),
    "llama.attention.layer_norm_rms_epsilon": f32(configNumber(folder, ["rms_norm_eps", "norm_eps"])),
    "llama.vocab_size": u32(typeof config.vocab_size === "number" ? config.vocab_size : vocabSize),
    "llama.rope.dimension_count": u32(headDim)
  };
}
