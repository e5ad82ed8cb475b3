import {UsageError} from "../errors/index.js";
import type {LlamaConfig, TensorSpec} from "./llama-config.js";
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

/** peft's default for llama models, which h2oGPT uses when --lora_target_modules is not given. */
export const DEFAULT_LORA_TARGET_MODULES: readonly string[] = ["q_proj", "v_proj"];

const GGUF_NAMES = new Set(Object.values(LORA_MODULES));

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
 * projection, as peft's shorthand); needs no model, so bad names are refused before anything is loaded.
 */
export function loraModuleNames(modules: readonly string[]): Set<string> {
  const names = modules.flatMap((m) => m.split(",")).map((m) => m.trim()).filter(Boolean);
  const wanted = new Set<string>();
  for (const name of names) {
    if (name === "all-linear") {
      for (const gguf of GGUF_NAMES) if (gguf !== "output") wanted.add(gguf);
      continue;
    }
    const gguf = LORA_MODULES[name] ?? (GGUF_NAMES.has(name) ? name : undefined);
    if (gguf == null)
      throw new UsageError(
        `--lora_target_modules: unknown module '${name}' for a llama model (use ${Object.keys(LORA_MODULES).join(", ")} or all-linear)`
      );
    wanted.add(gguf);
  }
  if (wanted.size === 0) throw new UsageError("--lora_target_modules: no modules given");
  return wanted;
}

/** The base weights to adapt (see loraModuleNames for the names accepted). */
export function resolveLoraTargets(modules: readonly string[], config: LlamaConfig): string[] {
  const wanted = loraModuleNames(modules);
  if (wanted.has("output") && config.tiedEmbeddings)
    throw new UsageError("--lora_target_modules: lm_head shares token_embd in this model (tied embeddings) and cannot carry an adapter");
  const targets: string[] = [];
  for (let i = 0; i < config.blockCount; i++)
    for (const gguf of GGUF_NAMES) if (gguf !== "output" && wanted.has(gguf)) targets.push(`blk.${i}.${gguf}.weight`);
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
