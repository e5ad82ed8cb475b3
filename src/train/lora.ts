import {UsageError} from "../errors/index.js";
import type {TensorSpec} from "./llama-config.js";
import {isGptNeox, type ModelConfig} from "./model-config.js";
import type {Random} from "./random.js";

/** Hugging Face / peft module names (what h2oGPT's --lora_target_modules takes) -> llama.cpp tensor names. */
export const LORA_MODULES: Readonly<Record<string, string>> = {
  q_proj: "attn_q",
  k_proj: "attn_k",
  v_proj: "attn_v",
  o_proj: "attn_output",
  gate_proj: "ffn_gate",
  up_proj: "ffn_up",
  down_proj: "ffn_down",
  lm_head: "output"
};

/** GPT-NeoX's Hugging Face module names (h2oGPT's own models) -> llama.cpp tensor names. */
export const GPTNEOX_LORA_MODULES: Readonly<Record<string, string>> = {
  query_key_value: "attn_qkv",
  dense: "attn_output",
  dense_h_to_4h: "ffn_up",
  dense_4h_to_h: "ffn_down",
  embed_out: "output"
};

/** peft's default for llama models, which h2oGPT uses when --lora_target_modules is not given. */
export const DEFAULT_LORA_TARGET_MODULES: readonly string[] = ["q_proj", "v_proj"];

/** peft's default for gpt_neox models (and h2oGPT's fallback): the fused attention projection. */
export const GPTNEOX_DEFAULT_LORA_TARGET_MODULES: readonly string[] = ["query_key_value"];

/** The default adapters for the model's architecture, when --lora_target_modules is not given. */
export function defaultLoraTargetModules(config: ModelConfig): readonly string[] {
  return isGptNeox(config) ? GPTNEOX_DEFAULT_LORA_TARGET_MODULES : DEFAULT_LORA_TARGET_MODULES;
}

const GGUF_NAMES = new Set(Object.values(LORA_MODULES));
const GPTNEOX_GGUF_NAMES = new Set(Object.values(GPTNEOX_LORA_MODULES));

export interface LoraConfig {
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  /** Base weight names carrying adapters, e.g. `blk.0.attn_q.weight`. */
  readonly targets: readonly string[];
}

/** llama.cpp's scale for B(Ax): alpha / r, or 1 when alpha is 0 (llama_adapter_lora_weight::get_scale). */
export function loraScale(config: Pick<LoraConfig, "rank" | "alpha">): number {
  return config.alpha === 0 ? 1 : config.alpha / config.rank;
}

/**
 * The llama.cpp names (`attn_q`) of h2oGPT-style module names (`q_proj`), llama.cpp names or `all-linear` (every
 * projection, as peft's shorthand) for an architecture; without one, names of either architecture are accepted
 * (the check before a model is loaded), so bad names are refused before anything is read.
 */
export function loraModuleNames(modules: readonly string[], architecture?: "llama" | "gptneox"): Set<string> {
  const tables = architecture == null ? [LORA_MODULES, GPTNEOX_LORA_MODULES] : [architecture === "gptneox" ? GPTNEOX_LORA_MODULES : LORA_MODULES];
  const ggufNames = new Set(tables.flatMap((table) => Object.values(table)));
  const names = modules.flatMap((m) => m.split(",")).map((m) => m.trim()).filter(Boolean);
  const wanted = new Set<string>();
  for (const name of names) {
    if (name === "all-linear") {
      for (const gguf of architecture === "gptneox" ? GPTNEOX_GGUF_NAMES : GGUF_NAMES) if (gguf !== "output") wanted.add(gguf);
      continue;
    }
    const gguf = tables.map((table) => table[name]).find((value) => value != null) ?? (ggufNames.has(name) ? name : undefined);
    if (gguf == null) {
      const model = architecture == null ? "" : ` for a ${architecture} model`;
      const known = tables.flatMap((table) => Object.keys(table)).join(", ");
      throw new UsageError(`--lora_target_modules: unknown module '${name}'${model} (use ${known} or all-linear)`);
    }
    wanted.add(gguf);
  }
  if (wanted.size === 0) throw new UsageError("--lora_target_modules: no modules given");
  return wanted;
}

/** The base weights to adapt (see loraModuleNames for the names accepted). */
export function resolveLoraTargets(modules: readonly string[], config: ModelConfig): string[] {
  const neox = isGptNeox(config);
  const wanted = loraModuleNames(modules, neox ? "gptneox" : "llama");
  if (wanted.has("output") && config.tiedEmbeddings)
    throw new UsageError("--lora_target_modules: lm_head shares token_embd in this model (tied embeddings) and cannot carry an adapter");
  const targets: string[] = [];
  for (let i = 0; i < config.blockCount; i++)
    for (const gguf of neox ? GPTNEOX_GGUF_NAMES : GGUF_NAMES) if (gguf !== "output" && wanted.has(gguf)) targets.push(`blk.${i}.${gguf}.weight`);
  if (wanted.has("output")) targets.push("output.weight");
  return targets;
}

/** The adapter tensors' row-major shapes: A [r, in], B [out, r] (llama.cpp's lora_a/lora_b layout). */
export function loraTensorSpecs(targets: readonly string[], baseShapes: ReadonlyMap<string, readonly number[]>, rank: number): TensorSpec[] {
  return targets.flatMap((name) => {
    const [out, inDim] = baseShapes.get(name) as [number, number];
    return [
      {name: `${name}.lora_a`, shape: [rank, inDim]},
      {name: `${name}.lora_b`, shape: [out, rank]}
    ];
  });
}

/** peft's initialisation: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a=sqrt(5)), B = 0, so training starts at the base model. */
export function initLoraWeights(specs: readonly TensorSpec[], random: Random): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const spec of specs) {
    const [rows, cols] = spec.shape as [number, number];
    const values = new Float32Array(rows * cols);
    if (spec.name.endsWith(".lora_a")) {
      const bound = 1 / Math.sqrt(cols);
      for (let i = 0; i < values.length; i++) values[i] = (random.next() * 2 - 1) * bound;
    }
    out.set(spec.name, values);
  }
  return out;
}

/** W + scale * B A for every target, as new arrays (the base stays untouched). */
export function mergeLora(options: {
  readonly base: ReadonlyMap<string, Float32Array>;
  readonly adapters: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly targets: readonly string[];
  readonly rank: number;
  readonly scale: number;
}): Map<string, Float32Array> {
  const merged = new Map(options.base);
  for (const name of options.targets) {
    const [out, inDim] = options.shapes.get(name) as [number, number];
    const a = options.adapters.get(`${name}.lora_a`)!;
    const b = options.adapters.get(`${name}.lora_b`)!;
    const w = Float32Array.from(options.base.get(name)!);
    const r = options.rank;
    for (let o = 0; o < out; o++)
      for (let k = 0; k < r; k++) {
        const coefficient = options.scale * b[o * r + k]!;
        if (coefficient === 0) continue;
        const row = o * inDim;
        const aRow = k * inDim;
        for (let i = 0; i < inDim; i++) w[row + i] += coefficient * a[aRow + i]!;
      }
    merged.set(name, w);
  }
  return merged;
}
