import {GgufWriteError} from "./gguf-errors.js";
import type {GgufValue} from "./gguf-types.js";

/** Hyper-parameters of a llama-architecture model, named as in llama.cpp's `llama_hparams`. */
export interface LlamaHparams {
  readonly nVocab: number;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  /** Defaults to nHead (no grouped-query attention). */
  readonly nHeadKv?: number;
  readonly nFf: number;
  readonly contextLength: number;
  readonly rmsEps?: number;
  readonly ropeFreqBase?: number;
  /** Without a separate output matrix llama.cpp reuses token_embd (weight tying). */
  readonly tied?: boolean;
}

export type LlamaTensorRole = "embedding" | "norm" | "attention" | "feed-forward" | "output";

export interface LlamaTensorShape {
  readonly name: string;
  /** GGUF order (fastest-varying first). */
  readonly dims: readonly number[];
  readonly role: LlamaTensorRole;
}

const BLOCK_TENSORS: readonly {suffix: string; role: LlamaTensorRole; dims: (h: Required<LlamaHparams>, kv: number) => number[]}[] = [
  {suffix: "attn_norm.weight", role: "norm", dims: (h) => [h.nEmbd]},
  {suffix: "attn_q.weight", role: "attention", dims: (h) => [h.nEmbd, h.nEmbd]},
  {suffix: "attn_k.weight", role: "attention", dims: (h, kv) => [h.nEmbd, kv]},
  {suffix: "attn_v.weight", role: "attention", dims: (h, kv) => [h.nEmbd, kv]},
  {suffix: "attn_output.weight", role: "attention", dims: (h) => [h.nEmbd, h.nEmbd]},
  {suffix: "ffn_norm.weight", role: "norm", dims: (h) => [h.nEmbd]},
  {suffix: "ffn_gate.weight", role: "feed-forward", dims: (h) => [h.nEmbd, h.nFf]},
  {suffix: "ffn_down.weight", role: "feed-forward", dims: (h) => [h.nFf, h.nEmbd]},
  {suffix: "ffn_up.weight", role: "feed-forward", dims: (h) => [h.nEmbd, h.nFf]}
];

function resolve(h: LlamaHparams): Required<LlamaHparams> {
  const full: Required<LlamaHparams> = {
    ...h,
    nHeadKv: h.nHeadKv ?? h.nHead,
    rmsEps: h.rmsEps ?? 1e-5,
    ropeFreqBase: h.ropeFreqBase ?? 10000,
    tied: h.tied ?? false
  };
  for (const key of ["nVocab", "nEmbd", "nLayer", "nHead", "nHeadKv", "nFf", "contextLength"] as const)
    if (!Number.isInteger(full[key]) || full[key] < 1) throw new GgufWriteError(`llama ${key}: must be a positive integer, got ${full[key]}`);
  if (full.nEmbd % full.nHead !== 0) throw new GgufWriteError(`llama nEmbd (${full.nEmbd}) must be a multiple of nHead (${full.nHead})`);
  if (full.nHead % full.nHeadKv !== 0) throw new GgufWriteError(`llama nHead (${full.nHead}) must be a multiple of nHeadKv (${full.nHeadKv})`);
  if ((full.nEmbd / full.nHead) % 2 !== 0) throw new GgufWriteError(`llama head size nEmbd/nHead must be even for RoPE`);
  return full;
}

/** The tensors of a llama model, in llama.cpp's naming and order. */
export function llamaTensorShapes(hparams: LlamaHparams): LlamaTensorShape[] {
  const h = resolve(hparams);
  const kv = (h.nEmbd / h.nHead) * h.nHeadKv;
  const shapes: LlamaTensorShape[] = [{name: "token_embd.weight", dims: [h.nEmbd, h.nVocab], role: "embedding"}];
  for (let layer = 0; layer < h.nLayer; layer++)
    for (const t of BLOCK_TENSORS) shapes.push({name: `blk.${layer}.${t.suffix}`, dims: t.dims(h, kv), role: t.role});
  shapes.push({name: "output_norm.weight", dims: [h.nEmbd], role: "norm"});
  if (!h.tied) shapes.push({name: "output.weight", dims: [h.nEmbd, h.nVocab], role: "output"});
  return shapes;
}

/** The `general.*` and `llama.*` keys llama.cpp needs, with the exact types it checks. */
export function llamaArchitectureMetadata(hparams: LlamaHparams & {name?: string; fileType?: "F32" | "F16"}): Record<string, GgufValue> {
  const h = resolve(hparams);
  return {
    "general.architecture": {type: "string", value: "llama"},
    "general.name": {type: "string", value: hparams.name ?? "h2ogpt-ts llama"},
    // llama_ftype: 0 = all F32, 1 = mostly F16.
    "general.file_type": {type: "u32", value: hparams.fileType === "F32" ? 0 : 1},
    "llama.vocab_size": {type: "u32", value: h.nVocab},
    "llama.context_length": {type: "u32", value: h.contextLength},
    "llama.embedding_length": {type: "u32", value: h.nEmbd},
    "llama.block_count": {type: "u32", value: h.nLayer},
    "llama.feed_forward_length": {type: "u32", value: h.nFf},
    "llama.rope.dimension_count": {type: "u32", value: h.nEmbd / h.nHead},
    "llama.rope.freq_base": {type: "f32", value: h.ropeFreqBase},
    "llama.attention.head_count": {type: "u32", value: h.nHead},
    "llama.attention.head_count_kv": {type: "u32", value: h.nHeadKv},
    "llama.attention.layer_norm_rms_epsilon": {type: "f32", value: h.rmsEps}
  };
}
