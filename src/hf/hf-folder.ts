import {readFile, readdir, stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import {HfModelError} from "./hf-errors.js";
import {readSafetensorsHeader, readSafetensorsTensor, type SafetensorsEntry, type SafetensorsHeader} from "./safetensors-file.js";

/** The `model_type`s whose weights we read, with the GGUF architecture llama.cpp gives each. */
export const HF_ARCHITECTURES = {llama: "llama", gpt_neox: "gptneox"} as const;

export type HfModelType = keyof typeof HF_ARCHITECTURES;

/** A Hugging Face model folder: its config.json and where each of its tensors lives (headers only, no weights). */
export interface HfFolder {
  readonly dir: string;
  readonly modelType: HfModelType;
  /** config.json as parsed (with `text_config` lifted to the top, as llama.cpp's converter does). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The safetensors files, in the order their tensors are listed. */
  readonly files: readonly string[];
  readonly tensors: ReadonlyMap<string, SafetensorsEntry & {readonly file: SafetensorsHeader}>;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HfModelError(path, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(error)})`, {cause: error});
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HfModelError(path, `not valid JSON (${(error as Error).message})`, {cause: error});
  }
}

/** Whether `path` is a folder holding a Hugging Face model (config.json and safetensors weights). */
export async function isHfModelFolder(path: string): Promise<boolean> {
  if (!(await stat(path).catch(() => undefined))?.isDirectory()) return false;
  if ((await stat(join(path, "config.json")).catch(() => undefined)) == null) return false;
  return (await readdir(path)).some((name) => name.endsWith(".safetensors") || name === "model.safetensors.index.json");
}

/**
 * Opens a Hugging Face folder: config.json (`model_type` llama or gpt_neox), and `model.safetensors` or the shards
 * `model.safetensors.index.json` names. Only headers are read here; weights come one tensor at a time.
 */
export async function openHfFolder(path: string): Promise<HfFolder> {
  const dir = resolve(path);
  const configPath = join(dir, "config.json");
  const raw = (await readJsonFile(configPath)) as Record<string, unknown>;
  if (raw == null || typeof raw !== "object" || Array.isArray(raw)) throw new HfModelError(configPath, "is not a JSON object");
  const config = raw.text_config != null && typeof raw.text_config === "object" ? {...raw, ...(raw.text_config as object)} : raw;
  const modelType = config.model_type;
  if (typeof modelType !== "string" || !(modelType in HF_ARCHITECTURES))
    throw new HfModelError(configPath, `model_type '${String(modelType)}' is not supported; h2ogpt-ts reads ${Object.keys(HF_ARCHITECTURES).join(" and ")} models`);

  const indexPath = join(dir, "model.safetensors.index.json");
  let files: string[];
  if ((await stat(indexPath).catch(() => undefined)) != null) {
    const index = (await readJsonFile(indexPath)) as {weight_map?: Record<string, string>};
    if (index.weight_map == null || typeof index.weight_map !== "object") throw new HfModelError(indexPath, "has no weight_map");
    files = [...new Set(Object.values(index.weight_map))];
  } else {
    const names = (await readdir(dir)).filter((name) => name.endsWith(".safetensors")).sort();
    if (names.length === 0)
      throw new HfModelError(dir, "has no *.safetensors weights (PyTorch .bin checkpoints are not read; save with safe_serialization=True)");
    files = names;
  }
  const tensors = new Map<string, SafetensorsEntry & {file: SafetensorsHeader}>();
  for (const name of files) {
    const header = await readSafetensorsHeader(join(dir, name));
    for (const [tensor, entry] of header.tensors) tensors.set(tensor, {...entry, file: header});
  }
  return {dir, modelType: modelType as HfModelType, config, files: files.map((name) => join(dir, name)), tensors};
}

/** One tensor of the folder as F32. */
export async function readHfTensor(folder: HfFolder, name: string): Promise<Float32Array> {
  const entry = folder.tensors.get(name);
  if (entry == null) throw new HfModelError(folder.dir, `has no tensor ${name}`);
  return readSafetensorsTensor(entry.file, name);
}

/** A config.json number, trying HF's aliases in order; throws naming the file when none is there. */
export function configNumber(folder: Pick<HfFolder, "dir" | "config">, keys: readonly string[], fallback?: number): number {
  for (const key of keys) {
    const value = folder.config[key];
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  if (fallback != null) return fallback;
  throw new HfModelError(join(folder.dir, "config.json"), `has no ${keys.join(" / ")}`);
}
