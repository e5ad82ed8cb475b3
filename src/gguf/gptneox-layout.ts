import {GgufWriteError} from "./gguf-errors.js";
import type {GgufValue} from "./gguf-types.js";

/**
 * Hyper-parameters of a GPT-NeoX (Pythia, h2oGPT's released models) model, named as in llama.cpp's
 * `llama_hparams`.
 */
export interface GptNeoxHparams {
  readonly nVocab: number;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nFf: number;
  readonly contextLength: number;
  /**
   * Rotary dimensions per head (`rope.dimension_count`, HF's `int(rotary_pct * head_dim)`). Defaults to a
   * quarter of the head size, Pythia's `rotary_pct` of 0.25. Must be even.
   */
  readonly nRot?: number;
  /** HF's `layer_norm_eps`. Defaults to 1e-5. */
  readonly layerNormEps?: number;
  /** HF's `use_parallel_residual`: x + attn(ln1(x)) + mlp(ln2(x)). Defaults to true (every Pythia model). */
  readonly useParallelResidual?: boolean;
  /**
   * HF's `rotary_emb_base`. llama.cpp's converter does not write it (llama.cpp then uses 10000), so it is
   * written only when set and different from 10000.
   */
  readonly ropeFreqBase?: number;
}

export type ResolvedGptNeoxHparams = Required<GptNeoxHparams>;

export type GptNeoxTensorRole = "embedding" | "norm" | "bias" | "attention" | "feed-forward" | "output";

export interface GptNeoxTensorShape {
  readonly name: string;
  /** GGUF order (fastest-varying first). */
  readonly dims: readonly number[];
  readonly role: GptNeoxTensorRole;
}

// llama.cpp's per-block tensors for LLM_ARCH_GPTNEOX (src/models/gptneox.cpp), every one required.
const BLOCK_TENSORS: readonly {suffix: string; role: GptNeoxTensorRole; dims: (h: ResolvedGptNeoxHparams) => number[]}[] = [
  {suffix: "attn_norm.weight", role: "norm", dims: (h) => [h.nEmbd]},
  {suffix: "attn_norm.bias", role: "bias", dims: (h) => [h.nEmbd]},
  {suffix: "attn_qkv.weight", role: "attention", dims: (h) => [h.nEmbd, 3 * h.nEmbd]},
  {suffix: "attn_qkv.bias", role: "bias", dims: (h) => [3 * h.nEmbd]},
  {suffix: "attn_output.weight", role: "attention", dims: (h) => [h.nEmbd, h.nEmbd]},
  {suffix: "attn_output.bias", role: "bias", dims: (h) => [h.nEmbd]},
  {suffix: "ffn_norm.weight", role: "norm", dims: (h) => [h.nEmbd]},
  {suffix: "ffn_norm.bias", role: "bias", dims: (h) => [h.nEmbd]},
  {suffix: "ffn_up.weight", role: "feed-forward", dims: (h) => [h.nEmbd, h.nFf]},
  {suffix: "ffn_up.bias", role: "bias", dims: (h) => [h.nFf]},
  {suffix: "ffn_down.weight", role: "feed-forward", dims: (h) => [h.nFf, h.nEmbd]},
  {suffix: "ffn_down.bias", role: "bias", dims: (h) => [h.nEmbd]}
];

/**
 * Fills in the defaults and checks the shapes llama.cpp needs.
 * @example resolveGptNeoxHparams({nVocab: 512, nEmbd: 64, nLayer: 2, nHead: 4, nFf: 256, contextLength: 128}).nRot // 4
 */
export function resolveGptNeoxHparams(h: GptNeoxHparams): ResolvedGptNeoxHparams {
  const headDim = h.nEmbd / h.nHead;
  const full: ResolvedGptNeoxHparams = {
    ...h,
    nRot: h.nRot ?? 2 * Math.floor(headDim / 8),
    layerNormEps: h.layerNormEps ?? 1e-5,
    useParallelResidual: h.useParallelResidual ?? true,
    ropeFreqBase: h.ropeFreqBase ?? 10000
  };
  for (const key of ["nVocab", "nEmbd", "nLayer", "nHead", "nFf", "contextLength"] as const)
    if (!Number.isInteger(full[key]) || full[key] < 1) throw new GgufWriteError(`gptneox ${key}: must be a positive integer, got ${full[key]}`);
  if (full.nEmbd % full.nHead !== 0) throw new GgufWriteError(`gptneox nEmbd (${full.nEmbd}) must be a multiple of nHead (${full.nHead})`);
  if (!Number.isInteger(full.nRot) || full.nRot < 0 || full.nRot > headDim || full.nRot % 2 !== 0)
    throw new GgufWriteError(`gptneox nRot (${full.nRot}) must be an even number from 0 to the head size ${headDim}`);
  return full;
}

/**
 * The tensors of a GPT-NeoX model, in llama.cpp's naming (the output matrix is never tied: Pythia's `embed_out`).
 * @example gptneoxTensorShapes(hparams).find((t) => t.name === "blk.0.attn_qkv.weight")!.dims // [nEmbd, 3 * nEmbd]
 */
export function gptneoxTensorShapes(hparams: GptNeoxHparams): GptNeoxTensorShape[] {
  const h = resolveGptNeoxHparams(hparams);
  const shapes: GptNeoxTensorShape[] = [{name: "token_embd.weight", dims: [h.nEmbd, h.nVocab], role: "embedding"}];
  for (let layer = 0; layer < h.nLayer; layer++)
    for (const t of BLOCK_TENSORS) shapes.push({name: `blk.${layer}.${t.suffix}`, dims: t.dims(h), role: t.role});
  shapes.push({name: "output_norm.weight", dims: [h.nEmbd], role: "norm"});
  shapes.push({name: "output_norm.bias", dims: [h.nEmbd], role: "bias"});
  shapes.push({name: "output.weight", dims: [h.nEmbd, h.nVocab], role: "output"});
  return shapes;
}

/**
 * The `general.*` and `gptneox.*` keys llama.cpp needs, with the types its loader checks, as
 * convert_hf_to_gguf.py's GPTNeoXModel writes them.
 * @example gptneoxArchitectureMetadata({...hparams, fileType: "F32"})["gptneox.rope.dimension_count"] // {type: "u32", value: 4}
 */
export function gptneoxArchitectureMetadata(hparams: GptNeoxHparams & {name?: string; fileType?: "F32" | "F16"}): Record<string, GgufValue> {
  const h = resolveGptNeoxHparams(hparams);
  const metadata: Record<string, GgufValue> = {
    "general.architecture": {type: "string", value: "gptneox"},
    "general.name": {type: "string", value: hparams.name ?? "h2ogpt-ts gptneox"},
    // llama_ftype: 0 = all F32, 1 = mostly F16.
    "general.file_type": {type: "u32", value: hparams.fileType === "F32" ? 0 : 1},
    "gptneox.context_length": {type: "u32", value: h.contextLength},
    "gptneox.embedding_length": {type: "u32", value: h.nEmbd},
    "gptneox.block_count": {type: "u32", value: h.nLayer},
    "gptneox.feed_forward_length": {type: "u32", value: h.nFf},
    "gptneox.rope.dimension_count": {type: "u32", value: h.nRot},
    "gptneox.attention.head_count": {type: "u32", value: h.nHead},
    "gptneox.use_parallel_residual": {type: "bool", value: h.useParallelResidual},
    "gptneox.attention.layer_norm_epsilon": {type: "f32", value: h.layerNormEps}
  };
  if (h.ropeFreqBase !== 10000) metadata["gptneox.rope.freq_base"] = {type: "f32", value: h.ropeFreqBase};
  return metadata;
}

/**
 * Reorders HF's fused `query_key_value` rows (interleaved per head: [head][q, k, v][headDim]) into GGUF's
 * [q (all heads); k; v], as convert_hf_to_gguf.py does. `rowLength` is nEmbd for the weight, 1 for the bias.
 * @example gptneoxQkvFromHf({data: hfWeight, nHead: 4, headDim: 16, rowLength: 64})
 */
export function gptneoxQkvFromHf(options: {data: Float32Array; nHead: number; headDim: number; rowLength: number}): Float32Array {
  return permuteQkv(options, true);
}

/**
 * The inverse of gptneoxQkvFromHf: GGUF's [q; k; v] rows back into HF's per-head interleaving.
 * @example gptneoxQkvToHf({data: ggufWeight, nHead: 4, headDim: 16, rowLength: 64})
 */
export function gptneoxQkvToHf(options: {data: Float32Array; nHead: number; headDim: number; rowLength: number}): Float32Array {
  return permuteQkv(options, false);
}

function permuteQkv({data, nHead, headDim, rowLength}: {data: Float32Array; nHead: number; headDim: number; rowLength: number}, fromHf: boolean): Float32Array {
  const nEmbd = nHead * headDim;
  if (data.length !== 3 * nEmbd * rowLength)
    throw new GgufWriteError(`gptneox query_key_value: expected ${3 * nEmbd * rowLength} values (3 x ${nEmbd} x ${rowLength}), got ${data.length}`);
  const out = new Float32Array(data.length);
  for (let head = 0; head < nHead; head++)
    for (let part = 0; part < 3; part++)
      for (let d = 0; d < headDim; d++) {
        const hfRow = (head * 3 + part) * headDim + d;
        const ggufRow = part * nEmbd + head * headDim + d;
        const [from, to] = fromHf ? [hfRow, ggufRow] : [ggufRow, hfRow];
        out.set(data.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
  return out;
}
