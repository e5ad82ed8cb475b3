import {stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import {InputFileError} from "../errors/index.js";
import {readGguf, type GgufFile} from "../gguf/index.js";
import {isHfModelFolder, readHfModel} from "../hf/index.js";
import {CHECKPOINT_META_FILE, loadCheckpoint, readTrainerState} from "./checkpoint.js";
import {loadGgufModel, modelConfigFromGguf, type LoadedModel} from "./gguf-model.js";
import {loraScale, mergeLora} from "./lora.js";
import {modelTensorSpecs} from "./model-config.js";
import {CheckpointError} from "./train-errors.js";

export interface BaseModel extends LoadedModel {
  /** Absolute path of what was loaded. */
  readonly path: string;
  /** A GGUF holding the model's tokenizer (the model itself, or a checkpoint's metadata file). */
  readonly tokenizerPath: string;
}

/**
 * A base model to train: a llama GGUF with F32/F16 weights, a Hugging Face folder (config.json, safetensors,
 * tokenizer.json), or a folder written by `h2ogpt finetune` (a checkpoint: full fine-tuning weights, or LoRA
 * adapters merged into the base they were trained on).
 */
export async function loadBaseModel(path: string): Promise<BaseModel> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info == null) throw new InputFileError(path, "not found");
  if (!info.isDirectory()) return {...(await loadGgufModel(absolute)), path: absolute, tokenizerPath: absolute};
  if (await isHfModelFolder(absolute)) return loadHfBaseModel(absolute);

  const checkpoint = await loadCheckpoint(absolute);
  const {state} = checkpoint;
  if (state.mode === "full") {
    const metaPath = join(absolute, CHECKPOINT_META_FILE);
    const meta = await readGguf(metaPath);
    const tensors = new Map<string, Float32Array>();
    for (const spec of modelTensorSpecs(state.config)) {
      const value = checkpoint.params.get(spec.name);
      if (value == null) throw new CheckpointError(absolute, `tensor ${spec.name} is missing`);
      tensors.set(spec.name, value);
    }
    return {config: state.config, tensors, metadata: {...meta.metadata}, path: absolute, tokenizerPath: metaPath};
  }
  const base = await loadBaseModel(state.baseModel);
  const lora = state.lora!;
  const shapes = new Map<string, readonly number[]>(modelTensorSpecs(base.config).map((s) => [s.name, s.shape]));
  const tensors = mergeLora({
    base: base.tensors,
    adapters: checkpoint.params,
    shapes,
    targets: lora.targets,
    rank: lora.rank,
    scale: loraScale(lora)
  });
  return {...base, tensors, path: absolute};
}

/**
 * A Hugging Face folder read straight from its safetensors, under the names, row order and metadata its GGUF
 * conversion has, so what is trained here applies to that GGUF (adapter.gguf) and merges into it (model.gguf).
 */
async function loadHfBaseModel(path: string): Promise<BaseModel> {
  const {metadata, tensors, shapes} = await readHfModel(path);
  const infos = [...shapes].map(([name, shape]) => {
    const nElements = shape.reduce((a, b) => a * b, 1);
    return {name, dims: [...shape].reverse(), type: "F32" as const, offset: 0, nElements, byteLength: nElements * 4};
  });
  const file: GgufFile = {path, version: 3, fileSize: 0, alignment: 32, metadata, tensors: infos, dataOffset: 0};
  const config = modelConfigFromGguf(file);
  const expected = new Set(modelTensorSpecs(config).map((spec) => spec.name));
  const extra = [...tensors.keys()].find((name) => !expected.has(name));
  if (extra != null) throw new CheckpointError(path, `tensor ${extra} is not part of the layout the trainer supports`);
  return {config, tensors, metadata, path, tokenizerPath: path};
}

/**
 * The GGUF holding a base model's tokenizer (for a Hugging Face folder, the folder and its tokenizer.json), without loading its weights (for preparing data to train it on).
 * Its header is checked here, before any data is read: a file that is not a GGUF is named as such (not as a bad
 * tokenizer.json), and another architecture is refused at once.
 */
export async function baseModelTokenizerPath(path: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info == null) throw new InputFileError(path, "not found");
  if (!info.isDirectory()) {
    modelConfigFromGguf(await readGguf(absolute));
    return absolute;
  }
  if (await isHfModelFolder(absolute)) return absolute;
  const state = await readTrainerState(absolute);
  return state.mode === "full" ? join(absolute, CHECKPOINT_META_FILE) : baseModelTokenizerPath(state.baseModel);
}
