import {PROMPT_TYPE_KEY, writeGguf, type GgufValue, type WriteGgufResult} from "../gguf/index.js";
import {modelTensorSpecs, type ModelConfig} from "./model-config.js";

/** GGUF dims are the row-major shape reversed (fastest-varying first). */
function ggufDims(shape: readonly number[]): number[] {
  return [...shape].reverse();
}

/**
 * A LoRA adapter in llama.cpp's format (src/llama-adapter.cpp): general.type=adapter, adapter.type=lora,
 * adapter.lora.alpha, and for each adapted weight `<name>.lora_a` (dims [in, r]) and `<name>.lora_b`
 * (dims [r, out]). llama.cpp scales B(Ax) by alpha/r, as peft does.
 */
export async function writeLoraAdapterGguf(options: {
  readonly path: string;
  readonly alpha: number;
  readonly adapters: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly name?: string;
  /** The prompt type the adapters were trained with (PROMPT_TYPE_KEY). */
  readonly promptType?: string;
  /** The base model's architecture: llama.cpp refuses an adapter whose architecture differs. Defaults to llama. */
  readonly architecture?: "llama" | "gptneox";
}): Promise<WriteGgufResult> {
  const names = [...options.adapters.keys()].sort();
  return writeGguf(options.path, {
    metadata: {
      "general.architecture": {type: "string", value: options.architecture ?? "llama"},
      "general.type": {type: "string", value: "adapter"},
      "general.name": {type: "string", value: options.name ?? "h2ogpt-ts LoRA adapter"},
      "adapter.type": {type: "string", value: "lora"},
      "adapter.lora.alpha": {type: "f32", value: options.alpha},
      ...(options.promptType == null ? {} : {[PROMPT_TYPE_KEY]: {type: "string", value: options.promptType}})
    },
    tensors: names.map((name) => ({
      name,
      dims: ggufDims(options.shapes.get(name)!),
      type: "F32",
      data: options.adapters.get(name)!
    }))
  });
}

/**
 * A complete llama or gptneox model: the base model's metadata (tokenizer, chat template, hyper-parameters) with
 * `general.file_type` and the name updated, and every weight. Norms stay F32 as llama.cpp's converters keep them.
 */
export async function writeLlamaModelGguf(options: {
  readonly path: string;
  readonly config: ModelConfig;
  readonly metadata: Readonly<Record<string, GgufValue>>;
  readonly tensors: ReadonlyMap<string, Float32Array>;
  readonly type?: "F32" | "F16";
  readonly name?: string;
  /** The prompt type the weights were trained with (PROMPT_TYPE_KEY); without it a base model's own is dropped. */
  readonly promptType?: string;
}): Promise<WriteGgufResult> {
  const type = options.type ?? "F32";
  const metadata: Record<string, GgufValue> = {...options.metadata};
  metadata["general.file_type"] = {type: "u32", value: type === "F32" ? 0 : 1};
  if (options.name != null) metadata["general.name"] = {type: "string", value: options.name};
  if (options.promptType != null) metadata[PROMPT_TYPE_KEY] = {type: "string", value: options.promptType};
  else delete metadata[PROMPT_TYPE_KEY];
  return writeGguf(options.path, {
    metadata,
    tensors: modelTensorSpecs(options.config).map((spec) => ({
      name: spec.name,
      dims: ggufDims(spec.shape),
      type: spec.shape.length === 1 ? "F32" : type,
      data: options.tensors.get(spec.name)!
    }))
  });
}
