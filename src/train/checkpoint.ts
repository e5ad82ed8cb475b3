import {randomBytes} from "node:crypto";
import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {writeGguf, type GgufValue} from "../gguf/index.js";
import type {AdamWState} from "./adamw.js";
import type {ModelConfig} from "./model-config.js";
import {readSafetensors, writeSafetensors, type NamedTensor} from "./safetensors.js";
import {CheckpointError} from "./train-errors.js";

/**
 * A checkpoint is a folder `checkpoint-<step>` in the output folder, written under a temporary name and renamed
 * when complete, so a crash never leaves a half checkpoint that looks whole:
 * - `trainer_state.json`: step, settings and what the run trains;
 * - `params.safetensors`: the trainable parameters (LoRA adapters, or every weight for full fine-tuning);
 * - `optimizer.safetensors`: AdamW's moments;
 * - `model-meta.gguf` (full fine-tuning): the base model's metadata (tokenizer, chat template) without tensors,
 *   so the checkpoint can serve as a --base_model on its own.
 */

export interface LoraState {
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly targets: readonly string[];
}

export interface TrainerState {
  readonly version: 1;
  /** Optimizer steps completed. */
  readonly step: number;
  readonly totalSteps: number;
  readonly tokensSeen: number;
  readonly mode: "full" | "lora";
  readonly lora?: LoraState;
  /** The GGUF (or checkpoint folder) the run started from, absolute. */
  readonly baseModel: string;
  readonly config: ModelConfig;
  /** The settings that decide the data order and the schedule; a resume must use the same ones. */
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  /** How the caller made the rows (FinetuneOptions.dataSettings). */
  readonly dataSettings?: Readonly<Record<string, string | number | boolean>>;
}

export interface Checkpoint {
  readonly path: string;
  readonly state: TrainerState;
  readonly params: Map<string, Float32Array>;
  readonly shapes: Map<string, readonly number[]>;
  readonly optimizer: AdamWState;
}

export const CHECKPOINT_PREFIX = "checkpoint-";
const STATE_FILE = "trainer_state.json";
const PARAMS_FILE = "params.safetensors";
const OPTIMIZER_FILE = "optimizer.safetensors";
export const CHECKPOINT_META_FILE = "model-meta.gguf";

export async function saveCheckpoint(options: {
  readonly outputDir: string;
  readonly state: TrainerState;
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly optimizer: AdamWState;
  /** Base metadata for full fine-tuning checkpoints (see the file comment). */
  readonly metadata?: Readonly<Record<string, GgufValue>>;
}): Promise<string> {
  const {outputDir, state} = options;
  const finalPath = join(outputDir, `${CHECKPOINT_PREFIX}${state.step}`);
  const tmp = join(outputDir, `.${CHECKPOINT_PREFIX}${state.step}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  await mkdir(tmp, {recursive: true});
  try {
    const tensors = (source: ReadonlyMap<string, Float32Array>, prefix = ""): Map<string, NamedTensor> =>
      new Map([...source].map(([name, data]) => [prefix + name, {shape: options.shapes.get(name) ?? [data.length], data}]));
    await writeSafetensors(join(tmp, PARAMS_FILE), tensors(options.params));
    const moments = new Map([...tensors(options.optimizer.m, "m."), ...tensors(options.optimizer.v, "v.")]);
    await writeSafetensors(join(tmp, OPTIMIZER_FILE), moments, {step: String(options.optimizer.step)});
    if (options.metadata != null) await writeGguf(join(tmp, CHECKPOINT_META_FILE), {metadata: options.metadata});
    await writeFile(join(tmp, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
    await rm(finalPath, {recursive: true, force: true});
    await rename(tmp, finalPath);
  } catch (error) {
    await rm(tmp, {recursive: true, force: true});
    throw error;
  }
  return finalPath;
}

/** A checkpoint's trainer_state.json alone (no tensors): what a resume needs to know before loading anything. */
export async function readTrainerState(path: string): Promise<TrainerState> {
  let state: TrainerState;
  try {
    state = JSON.parse(await readFile(join(path, STATE_FILE), "utf8")) as TrainerState;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR";
    throw new CheckpointError(path, missing ? `no ${STATE_FILE}: not a finetune checkpoint` : `${STATE_FILE} is not valid JSON`, {cause: error});
  }
  if (state?.version !== 1 || typeof state.step !== "number" || state.config == null)
    throw new CheckpointError(path, `${STATE_FILE} is not from this version of h2ogpt finetune`);
  return state;
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const state = await readTrainerState(path);
  const {tensors} = await readSafetensors(join(path, PARAMS_FILE));
  const params = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const [name, tensor] of tensors) {
    params.set(name, tensor.data);
    shapes.set(name, tensor.shape);
  }
  const saved = await readSafetensors(join(path, OPTIMIZER_FILE));
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [name, tensor] of saved.tensors) (name.startsWith("m.") ? m : v).set(name.slice(2), tensor.data);
  for (const name of params.keys())
    if (!m.has(name) || !v.has(name)) throw new CheckpointError(path, `optimizer state for ${name} is missing`);
  return {path, state, params, shapes, optimizer: {step: Number(saved.metadata.step ?? state.step), m, v}};
}

/** Checkpoint folders in `outputDir`, oldest first. */
export async function listCheckpoints(outputDir: string): Promise<{step: number; path: string}[]> {
  const names = await readdir(outputDir).catch(() => [] as string[]);
  const found: {step: number; path: string}[] = [];
  for (const name of names) {
    const match = /^checkpoint-(\d+)$/.exec(name);
    if (match == null) continue;
    const path = join(outputDir, name);
    if ((await stat(join(path, STATE_FILE)).catch(() => undefined)) != null) found.push({step: Number(match[1]), path});
  }
  return found.sort((a, b) => a.step - b.step);
}

/** Keeps the newest `keep` checkpoints (h2oGPT's save_total_limit); 0 or less keeps all. */
export async function pruneCheckpoints(outputDir: string, keep: number): Promise<void> {
  if (keep <= 0) return;
  const all = await listCheckpoints(outputDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(old.path, {recursive: true, force: true});
}
