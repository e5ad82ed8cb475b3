import {stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import {InputFileError} from "../errors/index.js";
import {readGguf} from "../gguf/index.js";
import {CHECKPOINT_META_FILE, loadCheckpoint, readTrainerState} from "./checkpoint.js";
import {llamaConfigFromGguf, loadGgufModel, type LoadedModel} from "./gguf-model.js";
import {llamaTensorSpecs} from "./llama-config.js";
import {loraScale, mergeLora} from "./lora.js";
import {CheckpointError} from "./train-errors.js";

export interface BaseModel extends LoadedModel {
  /** Absolute path of what was loaded. */
  readonly path: string;
  /** A GGUF holding the model's tokenizer (the model itself, or a checkpoint's metadata file). */
  readonly tokenizerPath: string;
}

/**
 * A base model to train: a llama GGUF with F32/F16 weights, or a folder written by `h2ogpt finetune` (a
 * checkpoint: full fine-tuning weights, or LoRA adapters merged into the base they were trained on).
 */
export async function loadBaseModel(path: string): Promise<BaseModel> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info == null) throw new InputFileError(path, "not found");
  if (!info.isDirectory()) return {...(await loadGgufModel(absolute)), path: absolute, tokenizerPath: absolute};

  const checkpoint = await loadCheckpoint(absolute);
  const {state} = checkpoint;
  if (state.mode === "full") {
    const metaPath = join(absolute, CHECKPOINT_META_FILE);
    const meta = await readGguf(metaPath);
    const tensors = new Map<string, Float32Array>();
    for (const spec of llamaTensorSpecs(state.config)) {
      const value = checkpoint.params.get(spec.name);
      if (value == null) throw new CheckpointError(absolute, `tensor ${spec.name} is missing`);
      tensors.set(spec.name, value);
    }
    return {config: state.config, tensors, metadata: {...meta.metadata}, path: absolute, tokenizerPath: metaPath};
  }
  const base = await loadBaseModel(state.baseModel);
  const lora = state.lora!;
  const shapes = new Map<string, readonly number[]>(llamaTensorSpecs(base.config).map((s) => [s.name, s.shape]));
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
 * The GGUF holding a base model's tokenizer, without loading its weights (for preparing data to train it on).
 * Its header is checked here, before any data is read: a file that is not a GGUF is named as such (not as a bad
 * tokenizer.json), and another architecture is refused at once.
 */
export async function baseModelTokenizerPath(path: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info == null) throw new InputFileError(path, "not found");
  if (!info.isDirectory()) {
    llamaConfigFromGguf(await readGguf(absolute));
    return absolute;
  }
  const state = await readTrainerState(absolute);
  return state.mode === "full" ? join(absolute, CHECKPOINT_META_FILE) : baseModelTokenizerPath(state.baseModel);
}
