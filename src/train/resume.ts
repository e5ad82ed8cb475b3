import {mkdir, readdir} from "node:fs/promises";
import {resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import type {AdamWState} from "./adamw.js";
import {listCheckpoints, loadCheckpoint, type Checkpoint} from "./checkpoint.js";
import type {TrainableSetup} from "./trainable-setup.js";

/** h2oGPT refuses an existing output folder; a resumed run writes into its own. */
export async function prepareOutputDir(outputDir: string, resuming: boolean): Promise<void> {
  const entries = await readdir(outputDir).catch(() => undefined);
  if (entries != null && entries.length > 0 && !resuming)
    throw new UsageError(`--output_dir ${outputDir} already exists and is not empty; choose another or pass --resume_from_checkpoint`);
  await mkdir(outputDir, {recursive: true});
}

/** The checkpoint to resume from: a folder, or `true` for the newest in the output folder. */
export async function findResumeCheckpoint(option: string | boolean | undefined, outputDir: string): Promise<Checkpoint | undefined> {
  if (option == null || option === false) return undefined;
  if (option === true) {
    const latest = (await listCheckpoints(outputDir)).at(-1);
    if (latest == null) throw new UsageError(`--resume_from_checkpoint: no checkpoint-* folder in ${outputDir}`);
    return loadCheckpoint(latest.path);
  }
  return loadCheckpoint(resolve(option));
}

/** Puts the checkpoint's parameters into `setup` and returns its optimizer state, after checking it fits the run. */
export function restoreFromCheckpoint(setup: TrainableSetup, checkpoint: Checkpoint): AdamWState {
  const {state} = checkpoint;
  if (state.mode !== setup.mode)
    throw new UsageError(`--resume_from_checkpoint: the checkpoint trained ${state.mode === "full" ? "every weight (--full)" : "LoRA adapters"}; pass the same mode`);
  if (state.mode === "lora" && JSON.stringify(state.lora) !== JSON.stringify(setup.lora))
    throw new UsageError(`--resume_from_checkpoint: LoRA settings differ from the checkpoint's (${JSON.stringify(state.lora)})`);
  for (const [name, value] of setup.trainable) {
    const saved = checkpoint.params.get(name);
    if (saved == null || saved.length !== value.length)
      throw new UsageError(`--resume_from_checkpoint: ${checkpoint.path} has no matching ${name}`);
    setup.trainable.set(name, saved);
  }
  return checkpoint.optimizer;
}
