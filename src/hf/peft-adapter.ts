import {mkdir, readFile, stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import {ggufMetadataValue, writeGguf, type GgufFile, type GgufValue, type WriteGgufResult} from "../gguf/index.js";
import {writeFileAtomic} from "../util/index.js";
import {HfModelError} from "./hf-errors.js";
import {HF_ARCHITECTURES, type HfFolder, type HfModelType} from "./hf-folder.js";
import {ggufRowOrder, hfNameOf, invertRows, reorderRows} from "./hf-gguf-layout.js";
import {readSafetensorsHeader, readSafetensorsTensor, writeSafetensorsFile} from "./safetensors-file.js";

/**
 * PEFT LoRA adapters (`adapter_config.json` + `adapter_model.safetensors`), the form h2oGPT shares its fine-tunes
 * in, to and from the GGUF-named adapters our trainer and llama.cpp use (`blk.N.attn_q.weight.lora_a` [r, in] and
 * `.lora_b` [out, r]). PEFT names the module (`base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`) and
 * keeps Hugging Face's row order, so B is reordered the way convert_lora_to_gguf.py reorders it.
 */

export const PEFT_CONFIG_FILE = "adapter_config.json";
export const PEFT_WEIGHTS_FILE = "adapter_model.safetensors";

/** What the row reorderings need to know of the base model: its architecture and head counts. */
export type HfLayout = Pick<HfFolder, "dir" | "config" | "modelType">;

export interface LoraAdapterWeights {
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  /** Base weights carrying adapters, GGUF names (`blk.0.attn_q.weight`). */
  readonly targets: readonly string[];
  /** `<target>.lora_a` (row-major [r, in]) and `<target>.lora_b` ([out, r]), in GGUF row order. */
  readonly adapters: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
}

/** The layout of a GGUF base model (generate/serve with --base_model=M.gguf --lora_weights=PEFT_DIR). */
export function hfLayoutFromGguf(file: Pick<GgufFile, "path" | "metadata">): HfLayout {
  const arch = ggufMetadataValue(file, "general.architecture");
  const modelType = (Object.entries(HF_ARCHITECTURES).find(([, gguf]) => gguf === arch)?.[0] ?? undefined) as HfModelType | undefined;
  if (modelType == null) throw new HfModelError(file.path, `architecture '${String(arch)}' has no PEFT mapping here (llama and gptneox do)`);
  const value = (key: string) => ggufMetadataValue(file, `${arch}.${key}`);
  return {
    dir: file.path,
    modelType,
    config: {
      hidden_size: value("embedding_length"),
      num_hidden_layers: value("block_count"),
      num_attention_heads: value("attention.head_count"),
      num_key_value_heads: value("attention.head_count_kv") ?? value("attention.head_count")
    }
  };
}

/** The module name PEFT's target_modules uses for a GGUF weight (`blk.0.attn_q.weight` -> `q_proj`). */
function moduleOf(modelType: HfModelType, target: string): string {
  const hf = hfNameOf(modelType, target);
  if (hf == null) throw new HfModelError(target, `has no Hugging Face name for a ${modelType} model`);
  return hf.replace(/\.weight$/, "").split(".").at(-1)!;
}

function peftPrefix(modelType: HfModelType, target: string): string {
  return `base_model.model.${hfNameOf(modelType, target)!.replace(/\.weight$/, "")}`;
}

/**
 * Writes `adapter_config.json` and `adapter_model.safetensors` into `dir` (created if needed; h2oGPT writes them
 * into its output folder too), which PEFT's `PeftModel.from_pretrained` loads on the Hugging Face base model.
 * @example await writePeftAdapter({dir: "out/peft", layout, baseModelNameOrPath: "EleutherAI/pythia-70m", weights});
 */
export async function writePeftAdapter(options: {
  readonly dir: string;
  readonly layout: HfLayout;
  readonly baseModelNameOrPath: string;
  readonly weights: LoraAdapterWeights;
}): Promise<string> {
  const {layout, weights} = options;
  const dir = resolve(options.dir);
  const tensors = weights.targets.flatMap((target) => {
    const a = weights.adapters.get(`${target}.lora_a`);
    const b = weights.adapters.get(`${target}.lora_b`);
    const bShape = weights.shapes.get(`${target}.lora_b`);
    if (a == null || b == null || bShape == null) throw new HfModelError(dir, `adapter for ${target} is incomplete`);
    const rows = ggufRowOrder(layout, target, bShape[0]!);
    const prefix = peftPrefix(layout.modelType, target);
    return [
      {name: `${prefix}.lora_A.weight`, shape: weights.shapes.get(`${target}.lora_a`)!, data: a},
      {name: `${prefix}.lora_B.weight`, shape: bShape, data: rows == null ? b : reorderRows(b, invertRows(rows))}
    ];
  });
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: options.baseModelNameOrPath,
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: weights.alpha,
    lora_dropout: weights.dropout,
    modules_to_save: null,
    peft_type: "LORA",
    r: weights.rank,
    rank_pattern: {},
    revision: null,
    target_modules: [...new Set(weights.targets.map((target) => moduleOf(layout.modelType, target)))].sort(),
    task_type: "CAUSAL_LM",
    use_dora: false,
    use_rslora: false
  };
  await mkdir(dir, {recursive: true});
  // Each file appears whole; the config last, so a folder with adapter_config.json always has its weights.
  await writeSafetensorsFile(join(dir, PEFT_WEIGHTS_FILE), tensors, {format: "pt"});
  await writeFileAtomic(join(dir, PEFT_CONFIG_FILE), JSON.stringify(config, null, 2) + "\n");
  return dir;
}

/** Whether `path` is a PEFT adapter folder. */
export async function isPeftAdapterFolder(path: string): Promise<boolean> {
  return (await stat(join(path, PEFT_CONFIG_FILE)).catch(() => undefined))?.isFile() ?? false;
}

/** adapter_config.json's fields that matter here. */
export interface PeftConfig {
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly baseModelNameOrPath?: string;
}

export async function readPeftConfig(path: string): Promise<PeftConfig> {
  const file = join(resolve(path), PEFT_CONFIG_FILE);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HfModelError(file, code === "ENOENT" ? "file not found" : `not valid JSON (${(error as Error).message})`, {cause: error});
  }
  if (config.peft_type !== "LORA") throw new HfModelError(file, `peft_type is ${String(config.peft_type)}; only LORA adapters are read`);
  if (config.use_dora === true) throw new HfModelError(file, "use_dora: DoRA adapters have no llama.cpp form");
  if (config.fan_in_fan_out === true) throw new HfModelError(file, "fan_in_fan_out: adapters on Conv1D layers are not read");
  if (Array.isArray(config.modules_to_save) && config.modules_to_save.length > 0)
    throw new HfModelError(file, `modules_to_save (${config.modules_to_save.join(", ")}): whole modules saved with the adapter have no llama.cpp form`);
  if (Object.keys((config.rank_pattern ?? {}) as object).length > 0 || Object.keys((config.alpha_pattern ?? {}) as object).length > 0)
    throw new HfModelError(file, "rank_pattern / alpha_pattern: per-module ranks are not read");
  const rank = config.r;
  const alpha = config.lora_alpha;
  if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 1) throw new HfModelError(file, `r must be a positive integer, got ${String(rank)}`);
  if (typeof alpha !== "number") throw new HfModelError(file, `lora_alpha must be a number, got ${String(alpha)}`);
  // rsLoRA scales by alpha/sqrt(r); llama.cpp and our trainer scale by alpha/r, so the same scale needs alpha*sqrt(r).
  return {
    rank,
    alpha: config.use_rslora === true ? alpha * Math.sqrt(rank) : alpha,
    dropout: typeof config.lora_dropout === "number" ? config.lora_dropout : 0,
    baseModelNameOrPath: typeof config.base_model_name_or_path === "string" ? config.base_model_name_or_path : undefined
  };
}

/**
 * A PEFT folder's adapters under GGUF names and row order, for llama.cpp or to resume training from.
 * @example const {targets, adapters} = await readPeftAdapter("out/peft", layout);
 */
export async function readPeftAdapter(path: string, layout: HfLayout): Promise<LoraAdapterWeights> {
  const dir = resolve(path);
  const config = await readPeftConfig(dir);
  const header = await readSafetensorsHeader(join(dir, PEFT_WEIGHTS_FILE));
  const byModule = new Map<string, string>();
  for (const name of header.tensors.keys()) {
    const match = /^base_model\.model\.(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$/.exec(name);
    if (match == null) throw new HfModelError(header.path, `tensor ${name} is not a lora_A or lora_B weight`);
    byModule.set(`${match[1]}.weight`, match[1]!);
  }
  const adapters = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  const targets: string[] = [];
  for (const [hfWeight, module] of byModule) {
    const target = ggufNameOfHf(layout.modelType, hfWeight);
    if (target == null) throw new HfModelError(header.path, `module ${module} is not a ${layout.modelType} weight llama.cpp knows`);
    const names = [...header.tensors.keys()].filter((name) => name.startsWith(`base_model.model.${module}.lora_`));
    const aName = names.find((name) => name.includes(".lora_A."));
    const bName = names.find((name) => name.includes(".lora_B."));
    if (aName == null || bName == null) throw new HfModelError(header.path, `module ${module} lacks its lora_A or lora_B weight`);
    const aShape = header.tensors.get(aName)!.shape;
    const bShape = header.tensors.get(bName)!.shape;
    if (aShape[0] !== config.rank || bShape[1] !== config.rank)
      throw new HfModelError(header.path, `module ${module} has rank ${aShape[0]}, adapter_config.json says r=${config.rank}`);
    const rows = ggufRowOrder(layout, target, bShape[0]!);
    if (rows != null && rows.length !== bShape[0])
      throw new HfModelError(header.path, `module ${module} has ${bShape[0]} output rows, the base model's ${target} has ${rows.length}`);
    targets.push(target);
    adapters.set(`${target}.lora_a`, await readSafetensorsTensor(header, aName));
    adapters.set(`${target}.lora_b`, reorderRows(await readSafetensorsTensor(header, bName), rows));
    shapes.set(`${target}.lora_a`, aShape);
    shapes.set(`${target}.lora_b`, bShape);
  }
  return {rank: config.rank, alpha: config.alpha, dropout: config.dropout, targets, adapters, shapes};
}

function ggufNameOfHf(modelType: HfModelType, hfWeight: string): string | undefined {
  const block = /^(?:model|gpt_neox)\.layers\.(\d+)\./.exec(hfWeight);
  const candidates = block == null ? ["output.weight", "token_embd.weight"] : [`blk.${block[1]}.`];
  for (const candidate of candidates) {
    if (!candidate.startsWith("blk.")) {
      if (hfNameOf(modelType, candidate) === hfWeight) return candidate;
      continue;
    }
    for (const suffix of ["attn_q", "attn_k", "attn_v", "attn_output", "attn_qkv", "ffn_gate", "ffn_up", "ffn_down"]) {
      const name = `${candidate}${suffix}.weight`;
      if (hfNameOf(modelType, name) === hfWeight) return name;
    }
  }
  return undefined;
}

/**
 * llama.cpp's LoRA GGUF of a PEFT folder, as convert_lora_to_gguf.py writes it: general.type=adapter,
 * adapter.type=lora, adapter.lora.alpha, `<weight>.lora_a` / `.lora_b` in F32.
 * @example await convertPeftToLoraGguf({adapterDir: "out/peft", layout, out: "adapter.gguf"});
 */
export async function convertPeftToLoraGguf(options: {readonly adapterDir: string; readonly layout: HfLayout; readonly out: string}): Promise<WriteGgufResult> {
  const weights = await readPeftAdapter(options.adapterDir, options.layout);
  const metadata: Record<string, GgufValue> = {
    "general.architecture": {type: "string", value: HF_ARCHITECTURES[options.layout.modelType]},
    "general.type": {type: "string", value: "adapter"},
    "general.name": {type: "string", value: "PEFT LoRA adapter"},
    "adapter.type": {type: "string", value: "lora"},
    "adapter.lora.alpha": {type: "f32", value: weights.alpha}
  };
  const names = [...weights.adapters.keys()].sort();
  return writeGguf(resolve(options.out), {
    metadata,
    tensors: names.map((name) => ({name, dims: [...weights.shapes.get(name)!].reverse(), type: "F32", data: weights.adapters.get(name)!}))
  });
}
