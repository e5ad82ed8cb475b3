import {resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import {hfLayoutFromGguf, readPeftAdapter, readPeftConfig, type LoraAdapterWeights, type PeftConfig} from "../hf/index.js";
import type {FinetuneOptions} from "./finetune-options.js";
import type {BaseModel} from "./load-base-model.js";
import {GPTNEOX_LORA_MODULES, LORA_MODULES} from "./lora.js";
import {isGptNeox} from "./model-config.js";
import type {TrainableSetup} from "./trainable-setup.js";

/**
 * `finetune --lora_weights=DIR` (h2oGPT's lora_weights, PeftModel.from_pretrained(..., is_trainable=True)): training
 * starts from a PEFT adapter's A and B instead of fresh ones. The adapter fixes the rank, alpha and target modules
 * (a flag giving others is refused by name); dropout is a training setting, so a given --lora_dropout wins.
 */

/**
 * The options with adapter_config.json's r, lora_alpha and lora_dropout filled in where not given.
 * @example const options = withPeftSettings(given, await readPeftConfig("out"), "out");
 */
export function withPeftSettings(options: FinetuneOptions, config: PeftConfig, dir: string): FinetuneOptions {
  const conflicts = [
    ["lora_r", options.loraR, config.rank],
    ["lora_alpha", options.loraAlpha, config.alpha]
  ]
    .filter(([, given, saved]) => given != null && given !== saved)
    .map(([name, given, saved]) => `--${name}=${given} but the adapter has ${saved}`);
  if (conflicts.length > 0) throw new UsageError(`--lora_weights=${dir}: ${conflicts.join("; ")} (leave the flag out to use the adapter's)`);
  return {...options, loraR: config.rank, loraAlpha: config.alpha, loraDropout: options.loraDropout ?? config.dropout};
}

/** adapter_config.json of the PEFT folder to start from, refusing what cannot seed a LoRA run. */
export async function readPeftSeedConfig(options: FinetuneOptions): Promise<PeftConfig> {
  const dir = resolve(options.loraWeights!);
  if (options.full === true) throw new UsageError(`--lora_weights=${options.loraWeights}: a PEFT adapter seeds LoRA training; it does not apply to --full`);
  return readPeftConfig(dir);
}

/** The PEFT folder's adapters under GGUF names and row order for this base (llama's q/k and GPT-NeoX's fused qkv rows of B reordered). */
export async function readPeftSeed(dir: string, base: BaseModel): Promise<LoraAdapterWeights> {
  return readPeftAdapter(resolve(dir), hfLayoutFromGguf({path: base.path, metadata: base.metadata}));
}

/** The module names (`q_proj`, `query_key_value`) an adapter's GGUF targets stand for, in the base's architecture. */
export function peftTargetModules(targets: readonly string[], base: Pick<BaseModel, "config">): string[] {
  const table = Object.entries(isGptNeox(base.config) ? GPTNEOX_LORA_MODULES : LORA_MODULES);
  const modules = targets.map((target) => {
    const gguf = target.split(".").at(-2)!;
    return table.find(([, name]) => name === gguf)?.[0] ?? gguf;
  });
  return [...new Set(modules)];
}

/**
 * Puts the adapter's A and B into the fresh LoRA setup, after checking that it covers exactly the setup's weights
 * with the base model's shapes; every mismatch is one line naming the folder and the weight.
 */
export function seedFromPeft(options: {readonly setup: TrainableSetup; readonly weights: LoraAdapterWeights; readonly dir: string; readonly base: Pick<BaseModel, "config">}): void {
  const {setup, weights, dir, base} = options;
  const wanted = setup.lora!.targets;
  const missingInBase = weights.targets.find((target) => !wanted.includes(target) && !setup.shapes.has(target));
  if (missingInBase != null) throw new UsageError(`--lora_weights=${dir}: the adapter on ${missingInBase} has no such weight in the base model`);
  const extra = weights.targets.filter((target) => !wanted.includes(target));
  const missing = wanted.filter((target) => !weights.targets.includes(target));
  if (extra.length > 0 || missing.length > 0) {
    const given = peftTargetModules(wanted, base).join(", ");
    const what = missing.length > 0 ? `has no adapter on ${missing[0]}` : `also adapts ${extra[0]}`;
    throw new UsageError(`--lora_weights=${dir}: the adapter ${what} (--lora_target_modules gives ${given} on every layer; leave it out to use the adapter's)`);
  }
  for (const [name, value] of setup.trainable) {
    const expected = setup.shapes.get(name)!;
    const shape = weights.shapes.get(name);
    const data = weights.adapters.get(name);
    if (shape == null || data == null) throw new UsageError(`--lora_weights=${dir}: no ${name}`);
    if (shape.length !== expected.length || shape.some((size, i) => size !== expected[i]))
      throw new UsageError(`--lora_weights=${dir}: ${name} is [${shape.join(", ")}], the base model needs [${expected.join(", ")}]`);
    value.set(data);
  }
}

/**
 * Refuses a --lora_weights folder that cannot seed this run (not a LoRA adapter, --full, a conflicting --lora_r or
 * --lora_alpha) before any data are read; finetune checks again.
 * @example await checkLoraWeights({outputDir: "out2", loraWeights: "out", loraR: 8});
 */
export async function checkLoraWeights(options: FinetuneOptions): Promise<void> {
  if (options.loraWeights != null) withPeftSettings(options, await readPeftSeedConfig(options), options.loraWeights);
}
