import {mkdir, readdir} from "node:fs/promises";
import {resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import type {AdamWState} from "./adamw.js";
import {listCheckpoints, loadCheckpoint, type Checkpoint, type TrainerState} from "./checkpoint.js";
import {FINGERPRINT_OPTIONS, type FinetuneOptions} from "./finetune-options.js";
import type {TrainableSetup} from "./trainable-setup.js";

/** h2oGPT refuses an existing output folder; a resumed run writes into its own. */
export async function prepareOutputDir(outputDir: string, resuming: boolean): Promise<void> {
  const entries = await readdir(outputDir).catch(() => undefined);
  if (entries != null && entries.length > 0 && !resuming)
    throw new UsageError(`--output_dir ${outputDir} already exists and is not empty; choose another or pass --resume_from_checkpoint`);
  await mkdir(outputDir, {recursive: true});
}

/** The folder of the checkpoint to resume from: the one given, or for `true` the newest in the output folder. */
export async function locateCheckpoint(option: string | boolean | undefined, outputDir: string): Promise<string | undefined> {
  if (option == null || option === false) return undefined;
  if (option !== true) return resolve(option);
  const latest = (await listCheckpoints(outputDir)).at(-1);
  if (latest == null) throw new UsageError(`--resume_from_checkpoint: no checkpoint-* folder in ${outputDir}`);
  return latest.path;
}

export async function findResumeCheckpoint(option: string | boolean | undefined, outputDir: string): Promise<Checkpoint | undefined> {
  const path = await locateCheckpoint(option, outputDir);
  return path == null ? undefined : loadCheckpoint(path);
}

/**
 * A resumed run's options: what was given, and the checkpoint's own settings for the rest (not the defaults),
 * so resuming needs no flags repeated; what was given and differs is then refused by name.
 */
export function withCheckpointSettings(options: FinetuneOptions, state: TrainerState): FinetuneOptions {
  const filled: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(FINGERPRINT_OPTIONS))
    if (options[option] === undefined && state.settings[key] !== undefined) filled[option] = state.settings[key];
  const lora = state.lora;
  const fromLora =
    lora == null
      ? {}
      : {
          loraR: options.loraR ?? lora.rank,
          loraAlpha: options.loraAlpha ?? lora.alpha,
          loraDropout: options.loraDropout ?? lora.dropout,
          // blk.0.attn_q.weight -> attn_q, output.weight -> output: names resolveLoraTargets takes back.
          loraTargetModules: options.loraTargetModules ?? [...new Set(lora.targets.map((name) => name.split(".").at(-2)!))]
        };
  return {...options, ...filled, full: options.full ?? state.mode === "full", ...fromLora, dataSettings: options.dataSettings ?? state.dataSettings};
}

/** How the checkpoint's mode and adapters differ from this run's, each named ("--lora_r: 8 in the checkpoint, 4 now"). */
export function setupDifferences(state: TrainerState, setup: TrainableSetup): string[] {
  if (state.mode !== setup.mode) return [`--full: ${state.mode === "full"} in the checkpoint, ${setup.mode === "full"} now`];
  if (state.mode !== "lora") return [];
  const saved = state.lora!;
  const now = setup.lora!;
  const out: string[] = [];
  const fields = [["lora_r", saved.rank, now.rank], ["lora_alpha", saved.alpha, now.alpha], ["lora_dropout", saved.dropout, now.dropout]] as const;
  for (const [name, before, after] of fields) if (before !== after) out.push(`--${name}: ${before} in the checkpoint, ${after} now`);
  if (JSON.stringify(saved.targets) !== JSON.stringify(now.targets))
    out.push(`--lora_target_modules: adapters on ${saved.targets.join(", ")} in the checkpoint, on ${now.targets.join(", ")} now`);
  return out;
}

/** Puts the checkpoint's parameters into `setup` (of the same mode and adapters: setupDifferences) and returns its optimizer state. */
export function restoreFromCheckpoint(setup: TrainableSetup, checkpoint: Checkpoint): AdamWState {
  for (const [name, value] of setup.trainable) {
    const saved = checkpoint.params.get(name);
    if (saved == null || saved.length !== value.length)
      throw new UsageError(`--resume_from_checkpoint: ${checkpoint.path} has no matching ${name}`);
    setup.trainable.set(name, saved);
  }
  return checkpoint.optimizer;
}
