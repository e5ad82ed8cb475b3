import {join} from "node:path";
import {hfLayoutFromGguf, writePeftAdapter} from "../hf/index.js";
import {writeLlamaModelGguf, writeLoraAdapterGguf} from "./export-gguf.js";
import {ADAPTER_FILE, MODEL_FILE, type Settings} from "./finetune-options.js";
import type {BaseModel} from "./load-base-model.js";
import {loraScale, mergeLora} from "./lora.js";
import {architectureOf} from "./model-config.js";
import type {TrainableSetup} from "./trainable-setup.js";

/**
 * adapter.gguf and a PEFT adapter (adapter_config.json + adapter_model.safetensors) for LoRA, and model.gguf with the
 * adapters merged when asked; model.gguf for full fine-tuning.
 */
export async function exportModels(options: {
  setup: TrainableSetup;
  base: BaseModel;
  outputDir: string;
  settings: Settings;
  name?: string;
  promptType?: string;
}): Promise<{adapterPath?: string; modelPath?: string}> {
  const {setup, base, outputDir, settings, promptType} = options;
  const modelPath = join(outputDir, MODEL_FILE);
  if (setup.mode === "full") {
    await writeLlamaModelGguf({path: modelPath, config: base.config, metadata: base.metadata, tensors: setup.trainable, type: settings.outputType, name: options.name, promptType});
    return {modelPath};
  }
  const lora = setup.lora!;
  const adapterPath = join(outputDir, ADAPTER_FILE);
  await writeLoraAdapterGguf({
    path: adapterPath,
    alpha: lora.alpha,
    adapters: setup.trainable,
    shapes: setup.shapes,
    name: options.name,
    promptType,
    architecture: architectureOf(base.config)
  });
  // The same adapters as PEFT writes them, so the Hugging Face world (PEFT, h2oGPT) loads them on the HF base model.
  await writePeftAdapter({
    dir: outputDir,
    layout: hfLayoutFromGguf({path: base.path, metadata: base.metadata}),
    baseModelNameOrPath: base.path,
    weights: {rank: lora.rank, alpha: lora.alpha, dropout: lora.dropout, targets: lora.targets, adapters: setup.trainable, shapes: setup.shapes}
  });
  if (!settings.merge) return {adapterPath};
  const tensors = mergeLora({base: base.tensors, adapters: setup.trainable, shapes: setup.shapes, targets: lora.targets, rank: lora.rank, scale: loraScale(lora)});
  await writeLlamaModelGguf({path: modelPath, config: base.config, metadata: base.metadata, tensors, type: settings.outputType, name: options.name, promptType});
  return {adapterPath, modelPath};
}
