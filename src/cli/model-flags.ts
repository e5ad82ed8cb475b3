import {resolve} from "node:path";
import {isRemoteModel, modelsDirectory, resolveModel, type ResolvedModel} from "../engine/index.js";
import {UsageError} from "../errors/index.js";
import {readGguf} from "../gguf/index.js";
import {convertedPeftAdapter, isHfModelFolder, isPeftAdapterFolder} from "../hf/index.js";
import {detectPromptType} from "../prompts/index.js";
import type {FlagDefs} from "./args.js";
import type {CommandIo} from "./command.js";
import {createProgress, type Progress} from "./progress.js";

/**
 * Models named remotely on the command line (`--base_model=hf:OWNER/REPO:QUANT`, `hf:OWNER/REPO/FILE.gguf`, an
 * https URL; also --lora_weights and --embedding_model): downloaded once into the models cache with a progress
 * line, then used from it; `--offline` never downloads.
 */

export const MODEL_CACHE_FLAGS = {
  models_dir: {
    kind: "string",
    description: "where models given as hf:OWNER/REPO:QUANT, hf:OWNER/REPO/FILE.gguf or an https URL are downloaded and cached",
    defaultText: "$H2OGPT_MODELS_DIR, else ~/.cache/h2ogpt-ts/models"
  },
  offline: {kind: "boolean", description: "use only models already cached; never download (also H2OGPT_OFFLINE=1 or HF_HUB_OFFLINE=1)", defaultText: "False"}
} as const satisfies FlagDefs;

export interface ModelCacheFlags {
  readonly models_dir?: string;
  readonly offline?: boolean;
}

type ModelIo = Pick<CommandIo, "cwd" | "env" | "stderr" | "signal">;

const megabytes = (bytes: number): number => Math.round(bytes / 1e5) / 10;

/** resolveModel's options from the flags and the command's environment (H2OGPT_DOWNLOAD_STALL_SECONDS for the stall limit). */
export function downloadOptionsFromFlags(flags: ModelCacheFlags, io: Pick<CommandIo, "cwd" | "env" | "signal">) {
  const stall = Number(io.env.H2OGPT_DOWNLOAD_STALL_SECONDS);
  return {
    modelsDir: flags.models_dir == null || flags.models_dir === "" ? undefined : resolve(io.cwd, flags.models_dir),
    offline: flags.offline ?? undefined,
    env: io.env,
    cwd: io.cwd,
    signal: io.signal,
    stallTimeoutMs: Number.isFinite(stall) && stall > 0 ? stall * 1000 : undefined
  };
}

/**
 * A model flag's local file: a path resolved against the cwd, or a remote model from the cache (downloaded first,
 * with a progress line on stderr, and one line saying where it is).
 */
export async function localModel(value: string, flag: string, flags: ModelCacheFlags, io: ModelIo, command: string): Promise<ResolvedModel> {
  if (!isRemoteModel(value)) {
    const path = resolve(io.cwd, value);
    if (!(await isHfModelFolder(path))) return {path, downloaded: false};
    const converted = await resolveModel({...downloadOptionsFromFlags(flags, io), model: path});
    io.stderr.write(`h2ogpt ${command}: --${flag}=${value}: ${converted.converted ? "converted to" : "converted earlier to"} ${converted.path}\n`);
    return converted;
  }
  let progress: Progress | undefined;
  const resolved = await resolveModel({
    ...downloadOptionsFromFlags(flags, io),
    model: value,
    onProgress({downloadedBytes, totalBytes}) {
      progress ??= createProgress({stream: io.stderr, label: `downloading ${value}`, total: megabytes(totalBytes), unit: "MB"});
      progress.update(megabytes(downloadedBytes));
    }
  });
  progress?.finish();
  io.stderr.write(`h2ogpt ${command}: --${flag}=${value}: ${resolved.downloaded ? "downloaded to" : "cached at"} ${resolved.path}\n`);
  return resolved;
}

/** The prompt type h2ogpt-ts detects for a downloaded model: from its repo's name, then its GGUF metadata. */
export async function detectedPromptType(model: ResolvedModel): Promise<{promptType?: string; text: string}> {
  const metadata = await readGguf(model.path).then(
    (file) => file.metadata,
    () => undefined
  );
  const names = [model.repo?.replace(/-GGUF$/i, ""), model.path];
  for (const modelName of names) {
    const promptType = detectPromptType({modelName, ggufMetadata: metadata});
    if (promptType != null) return {promptType, text: `${promptType} (detected)`};
  }
  return metadata?.["tokenizer.chat_template"] != null
    ? {text: "the model's chat template (no h2oGPT prompt type detected)"}
    : {text: "plain (nothing detected; give --prompt_type)"};
}

interface ModelFlags extends ModelCacheFlags {
  readonly base_model?: string | string[];
  readonly lora_weights?: string[];
  readonly inference_server?: string;
  readonly prompt_type?: string;
}

/**
 * The flags with remote --base_model and --lora_weights replaced by cached files (downloaded first when needed).
 * For one downloaded base model, the prompt type detected is printed and, unless --prompt_type is given, used.
 */
export async function withLocalModels<F extends ModelFlags>(flags: F, io: ModelIo, command: string): Promise<F> {
  const remoteServer = flags.inference_server != null && flags.inference_server !== "";
  const given = flags.base_model == null ? [] : typeof flags.base_model === "string" ? [flags.base_model] : flags.base_model;
  const local = async (value: string): Promise<boolean> => !isRemoteModel(value) && ((await isHfModelFolder(resolve(io.cwd, value))) || (await isPeftAdapterFolder(resolve(io.cwd, value))));
  const needsWork = async (value: string): Promise<boolean> => isRemoteModel(value) || (await local(value));
  if (remoteServer || !(await Promise.all([...given, ...(flags.lora_weights ?? [])].map(needsWork))).some(Boolean)) return flags;
  const bases: string[] = [];
  let promptType = flags.prompt_type;
  for (const value of given) {
    const model = await localModel(value, "base_model", flags, io, command);
    bases.push(model.path);
    if (model.source == null) continue;
    const detected = await detectedPromptType(model);
    if (flags.prompt_type != null) io.stderr.write(`h2ogpt ${command}: prompt type: ${flags.prompt_type} (--prompt_type)\n`);
    else io.stderr.write(`h2ogpt ${command}: prompt type: ${detected.text}\n`);
    // --prompt_type applies to every model served; a detected one only when it is the only model.
    if (flags.prompt_type == null && given.length === 1) promptType = detected.promptType;
  }
  const loras: string[] = [];
  for (const value of flags.lora_weights ?? []) {
    const path = resolve(io.cwd, value);
    if (isRemoteModel(value) || !(await isPeftAdapterFolder(path))) {
      loras.push((await localModel(value, "lora_weights", flags, io, command)).path);
      continue;
    }
    // A PEFT adapter's q/k (llama) or fused qkv (gpt_neox) rows are reordered for the base model it is applied to.
    if (bases.length !== 1) throw new UsageError(`--lora_weights=${value}: a PEFT adapter folder needs exactly one --base_model to be converted for`);
    const cacheDir = modelsDirectory({...downloadOptionsFromFlags(flags, io)});
    const adapter = await convertedPeftAdapter({adapterDir: path, baseGguf: bases[0]!, cacheDir});
    io.stderr.write(`h2ogpt ${command}: --lora_weights=${value}: PEFT adapter ${adapter.converted ? "converted to" : "converted earlier to"} ${adapter.path}\n`);
    loras.push(adapter.path);
  }
  return {
    ...flags,
    base_model: typeof flags.base_model === "string" ? bases[0] : flags.base_model == null ? undefined : bases,
    lora_weights: flags.lora_weights == null ? undefined : loras,
    prompt_type: promptType
  };
}
