import {readFile, stat} from "node:fs/promises";
import {basename, join, resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import {formatReport, prepare, type PrepareOptions} from "../data/index.js";
import {resolvePromptType} from "../prompts/index.js";
import {
  DEFAULT_LORA_TARGET_MODULES,
  FINETUNE_DEFAULTS,
  GPTNEOX_DEFAULT_LORA_TARGET_MODULES,
  LR_SCHEDULES,
  baseModelTokenizerPath,
  checkFinetuneOptions,
  checkLoraWeights,
  finetune,
  isPreparedData,
  locateCheckpoint,
  readRewardPairs,
  readTrainerState,
  REWARD_POOLINGS,
  type FinetuneOptions,
  type FinetuneRow,
  type RewardPooling,
  type TrainBackendName,
  type TrainerState
} from "../train/index.js";
import {parseLiteral} from "../util/index.js";
import {defineCommand} from "./command.js";
import {PREPARE_RECORD_FLAGS, prepareOptionsFromFlags} from "./prepare-flags.js";
import {createProgress, type Progress} from "./progress.js";

/** --lora_target_modules as h2oGPT users write it: repeated, comma-separated, or a Python/JSON list. */
function targetModules(values: readonly string[] | undefined): string[] | undefined {
  if (values == null) return undefined;
  return values.flatMap((value) => {
    const text = value.trim();
    if (!text.startsWith("[") && !text.startsWith("(")) return text.split(",");
    const list = parseLiteral(text, "--lora_target_modules");
    if (!Array.isArray(list) || !list.every((item) => typeof item === "string"))
      throw new UsageError(`--lora_target_modules: expected a list of module names, got ${text}`);
    return list as string[];
  });
}

/** h2oGPT's --resume_from_checkpoint is a path; True (as in Hugging Face's Trainer) means the newest in --output_dir. */
function resumeOption(value: string | undefined, cwd: string): string | boolean | undefined {
  if (value == null || value === "") return undefined;
  const word = value.trim().toLowerCase();
  if (["true", "latest", "last"].includes(word)) return true;
  if (["false", "none"].includes(word)) return undefined;
  return resolve(cwd, value);
}

/** h2oGPT's default output folder name: "{model}.{data_path without '/'}.{num_epochs}_epochs". */
function defaultOutputDir(baseModel: string, dataPath: string, numEpochs: number): string {
  const model = basename(baseModel).replace(/\.gguf$/i, "");
  const data = dataPath.replace(/[/\\]/g, "").replace(/^\.+/, "");
  return `${model}.${data}.${numEpochs}_epochs`;
}

const PREPARE_FLAGS = {
  ...PREPARE_RECORD_FLAGS,
  valid_path: {kind: "string", description: "validation records in their own file(s) (prepared the same way)"}
} as const;

/** What decides the rows besides the training settings; kept in checkpoints so a resume makes the same rows. */
const DATA_FLAGS = ["data_path", ...(Object.keys(PREPARE_FLAGS) as (keyof typeof PREPARE_FLAGS)[]), "seed", "reward", "reward_pooling"] as const;
const PATH_FLAGS = new Set(["data_path", "valid_path", "chat_template"]);
/** Defaults a flag left out of a run stands for, where resuming with it given explicitly is no difference. */
const DATA_DEFAULTS: Readonly<Record<string, string | number | boolean>> = {prompt_type: "plain", seed: FINETUNE_DEFAULTS.seed, reward: false, reward_pooling: "last"};

type DataSettings = Readonly<Record<string, string | number | boolean>>;

export const finetuneCommand = defineCommand({
  name: "finetune",
  summary: "fine-tune a llama or GPT-NeoX model on CPU (LoRA by default, --full for every weight) and export GGUF and PEFT",
  usage: [
    "h2ogpt finetune --base_model=model.gguf --data_path=records.jsonl --prompt_type=human_bot --output_dir=out",
    "h2ogpt finetune --base_model=model.gguf --data_path=prepared/ --output_dir=out --full --num_epochs=3",
    "h2ogpt finetune --resume_from_checkpoint=out/checkpoint-40   (or =True --output_dir=out: the newest checkpoint there)",
    "h2ogpt finetune --base_model=pythia-160m/ --lora_weights=out --data_path=more.jsonl --output_dir=out2   (continue a PEFT adapter)",
    "--data_path: records (prepared with the base model's tokenizer and the prepare flags below, as h2oGPT's",
    "finetune.py does) or the output folder of `h2ogpt prepare`. The base model is a llama or GPT-NeoX GGUF with",
    "F32/F16 weights (quantized models cannot be trained), a Hugging Face folder (config.json, *.safetensors,",
    "tokenizer.json) or a checkpoint folder of an earlier run. Small models",
    "only: this trains on the CPU (about 500 tokens/s for a 5M-parameter model on 2 cores).",
    "Writes OUTPUT_DIR/adapter.gguf (LoRA; load it with `h2ogpt generate --lora_weights`) and the same adapter as",
    "PEFT writes it (adapter_config.json + adapter_model.safetensors; --lora_weights=OUTPUT_DIR), model.gguf (--full, or",
    "--merge), metrics.jsonl, loss.svg and checkpoint-N/; written models record the prompt type (h2ogpt.prompt_type),",
    "so generate uses it. Ctrl-C saves a checkpoint; --resume_from_checkpoint continues the same loss curve with the",
    "checkpoint's base model, data and settings (a flag given again must match; a difference is named)."
  ],
  flags: {
    base_model: {kind: "string", description: "llama or GPT-NeoX GGUF (F32/F16), Hugging Face folder, or a finetune checkpoint folder"},
    data_path: {kind: "string", description: "records (file, comma list or folder) or a prepared folder"},
    output_dir: {kind: "string", description: "where adapters, models, metrics and checkpoints go", defaultText: "{model}.{data_path}.{num_epochs}_epochs"},
    ...PREPARE_FLAGS,
    reward: {
      kind: "boolean",
      description: "train a reward model (scalar head, Bradley-Terry loss) on preference records {prompt|question|instruction, chosen|response_j, rejected|response_k}",
      defaultText: "False"
    },
    reward_pooling: {
      kind: "string",
      description: "--reward: the hidden state the head reads: last (the EOS ending each answer) or mean (of every token; llama.cpp's mean pooling)",
      defaultText: "last"
    },
    full: {kind: "boolean", description: "train every weight instead of LoRA adapters", defaultText: "False"},
    lora_r: {kind: "number", description: "LoRA rank", defaultText: String(FINETUNE_DEFAULTS.loraR)},
    lora_alpha: {kind: "number", description: "LoRA alpha (scale alpha/r)", defaultText: String(FINETUNE_DEFAULTS.loraAlpha)},
    lora_dropout: {kind: "number", description: "dropout on the adapters' input", defaultText: String(FINETUNE_DEFAULTS.loraDropout)},
    lora_target_modules: {
      kind: "list",
      description:
        "llama: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head; GPT-NeoX: query_key_value, dense, dense_h_to_4h, dense_4h_to_h, embed_out; or all-linear",
      defaultText: `"${JSON.stringify(DEFAULT_LORA_TARGET_MODULES)}" (llama), "${JSON.stringify(GPTNEOX_DEFAULT_LORA_TARGET_MODULES)}" (GPT-NeoX), the adapter's with --lora_weights`
    },
    lora_weights: {
      kind: "string",
      description: "a PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to continue training from; its r, alpha, dropout and modules apply"
    },
    micro_batch_size: {kind: "number", description: "rows per forward/backward pass", defaultText: String(FINETUNE_DEFAULTS.microBatchSize)},
    batch_size: {kind: "number", description: "rows per optimizer step (gradient accumulation)", defaultText: String(FINETUNE_DEFAULTS.batchSize)},
    num_epochs: {kind: "number", description: "passes over the data", defaultText: String(FINETUNE_DEFAULTS.numEpochs)},
    group_by_length: {kind: "boolean", description: "micro-batches of rows of similar length (less padding)", defaultText: "False"},
    pad_to_multiple_of: {kind: "number", description: "pad micro-batches to a multiple of N tokens (fewer shapes to compile)", defaultText: "8"},
    learning_rate: {kind: "number", description: "peak AdamW learning rate", defaultText: String(FINETUNE_DEFAULTS.learningRate)},
    warmup_steps: {
      kind: "number",
      description: "linear warmup steps (the default is cut to a tenth of shorter runs; one not shorter than the run, to a tenth of it)",
      defaultText: String(FINETUNE_DEFAULTS.warmupSteps)
    },
    weight_decay: {kind: "number", description: "AdamW decoupled weight decay (not on norms)", defaultText: String(FINETUNE_DEFAULTS.weightDecay)},
    lr_scheduler_type: {kind: "string", description: `decay after warmup: ${Object.keys(LR_SCHEDULES).join(", ")}`, defaultText: FINETUNE_DEFAULTS.lrSchedulerType},
    max_grad_norm: {kind: "number", description: "gradient clipping by global norm (0: off)", defaultText: String(FINETUNE_DEFAULTS.maxGradNorm)},
    eval_steps: {kind: "number", description: "evaluate every N steps (with validation rows)", defaultText: "about 20 per run"},
    save_steps: {kind: "number", description: "save a checkpoint every N steps", defaultText: "at the end and on Ctrl-C"},
    save_total_limit: {kind: "number", description: "checkpoints kept", defaultText: String(FINETUNE_DEFAULTS.saveTotalLimit)},
    resume_from_checkpoint: {kind: "string", description: "a checkpoint folder, or True for the newest in --output_dir; its run's flags apply"},
    seed: {kind: "number", description: "seed for adapters, shuffling, dropout and the validation split", defaultText: String(FINETUNE_DEFAULTS.seed)},
    merge: {kind: "boolean", description: "also write the base model with the adapters merged (model.gguf)", defaultText: "False"},
    output_type: {kind: "string", description: "weights of written models: f32 or f16", defaultText: "f32"},
    model_name: {kind: "string", description: "general.name of written models"},
    threads: {kind: "number", description: "compute threads", defaultText: "the number of CPUs"},
    train_backend: {
      kind: "string",
      description: "tensor runtime: onnxruntime (native CPU kernels) or jax (jax-js WebAssembly)",
      defaultText: "onnxruntime"
    }
  },
  async run({flags: given, positionals}, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
    const resume = resumeOption(given.resume_from_checkpoint, io.cwd);
    const outputType = given.output_type == null ? undefined : given.output_type.toUpperCase();
    if (outputType != null && outputType !== "F32" && outputType !== "F16")
      throw new UsageError(`--output_type: expected f32 or f16, got '${given.output_type}'`);
    // Every flag is checked before the data are read or the model loaded: a typo should not wait for tokenizing.
    const settings = trainingOptions(given, outputType);
    checkFinetuneOptions(settings);
    const givenData = dataSettings(given, io.cwd);

    if (resume == null && given.data_path == null) throw new UsageError("--data_path is required (records, or a folder written by h2ogpt prepare)");
    if (resume == null && given.base_model == null)
      throw new UsageError("--base_model is required (a llama GGUF with F32/F16 weights, or a checkpoint folder)");
    const outputDir = resolve(io.cwd, given.output_dir ?? defaultOutputFor(given, resume));
    const checkpointPath = await locateCheckpoint(resume, outputDir);
    const checkpoint = checkpointPath == null ? undefined : {path: checkpointPath, state: await readTrainerState(checkpointPath)};
    const loraWeights = given.lora_weights == null ? undefined : resolve(io.cwd, given.lora_weights);
    if (checkpoint == null) await checkLoraWeights({...settings, outputDir, loraWeights});
    const data = checkpoint == null ? givenData : resumedDataSettings(givenData, checkpoint);
    // Flags given keep their spelling (paths as typed, for messages); the checkpoint's fill in the rest.
    const flags = {...data, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value != null))} as Flags;
    if (flags.data_path == null) throw new UsageError(`--data_path is required: ${checkpointPath} does not record the run's data`);
    const baseModel = given.base_model == null ? undefined : resolve(io.cwd, given.base_model);

    const reward = flags.reward === true;
    if (!reward && flags.reward_pooling != null) throw new UsageError("--reward_pooling applies to --reward only");
    const pooling = reward ? rewardPooling(flags.reward_pooling) : undefined;
    const rows = reward ? await rewardRows(flags, io, baseModel ?? checkpointPath!) : await trainingRows(flags, io, baseModel ?? checkpointPath!);
    let progress: Progress | undefined;
    const result = await finetune({
      ...settings,
      baseModel,
      ...rows,
      outputDir,
      resumeFromCheckpoint: checkpointPath,
      loraWeights,
      seed: flags.seed,
      dataSettings: data,
      reward: reward ? {maxLength: flags.cutoff_len ?? REWARD_CUTOFF_LEN, pooling} : undefined,
      signal: io.signal,
      onMessage: (line) => {
        if (io.stderr.isTTY && progress != null) io.stderr.write("\n");
        io.stderr.write(line + "\n");
      },
      onProgress: (p) => {
        progress ??= createProgress({stream: io.stderr, label: "finetune", total: p.totalSteps, unit: "steps"});
        const rate = p.tokensPerSecond >= 100 ? Math.round(p.tokensPerSecond) : p.tokensPerSecond.toFixed(1);
        progress.update(p.step, `epoch ${p.epoch.toFixed(2)}  loss ${p.loss.toFixed(4)}  lr ${p.learningRate.toExponential(2)}  ${rate} tok/s`);
      }
    }).finally(() => progress?.finish());

    const lines = [
      `trained ${result.steps} step${result.steps === 1 ? "" : "s"} (${result.mode === "full" ? "full" : "LoRA"}): train loss ${result.trainLoss.toFixed(4)}` +
        (result.evalLoss == null ? "" : `, eval loss ${result.evalLoss.toFixed(4)}`) +
        `, ${Math.round(result.tokensPerSecond)} tokens/s`
    ];
    if (result.adapterPath != null) lines.push(`adapter: ${result.adapterPath}`, `PEFT adapter: ${result.outputDir} (adapter_config.json, adapter_model.safetensors)`);
    if (result.modelPath != null) lines.push(`${reward ? "reward model" : "model"}: ${result.modelPath}`);
    if (result.evalAccuracy != null) lines.push(`validation pairs: the chosen answer wins ${(100 * result.evalAccuracy).toFixed(1)}%`);
    lines.push(`metrics: ${result.metricsPath}`, `loss chart: ${result.chartPath}`, `checkpoint: ${result.checkpointPath}`);
    io.stdout.write(lines.join("\n") + "\n");
  }
});

type Flags = Parameters<(typeof finetuneCommand)["run"]>[0]["flags"];
type Io = Parameters<(typeof finetuneCommand)["run"]>[1];

/** The training settings the flags give (the library fills in defaults, or a resumed checkpoint's settings). */
function trainingOptions(flags: Flags, outputType: string | undefined): Omit<FinetuneOptions, "outputDir"> {
  return {
    full: flags.full,
    loraR: flags.lora_r,
    loraAlpha: flags.lora_alpha,
    loraDropout: flags.lora_dropout,
    loraTargetModules: targetModules(flags.lora_target_modules),
    microBatchSize: flags.micro_batch_size,
    batchSize: flags.batch_size,
    numEpochs: flags.num_epochs,
    groupByLength: flags.group_by_length,
    padToMultipleOf: flags.pad_to_multiple_of,
    learningRate: flags.learning_rate,
    warmupSteps: flags.warmup_steps,
    weightDecay: flags.weight_decay,
    lrSchedulerType: flags.lr_scheduler_type,
    maxGradNorm: flags.max_grad_norm,
    evalSteps: flags.eval_steps,
    saveSteps: flags.save_steps,
    saveTotalLimit: flags.save_total_limit,
    seed: flags.seed,
    merge: flags.merge,
    outputType: outputType as "F32" | "F16" | undefined,
    modelName: flags.model_name,
    threads: flags.threads,
    trainBackend: flags.train_backend as TrainBackendName | undefined
  };
}

/** The data flags given, paths made absolute and the prompt type by its name, as a checkpoint keeps them. */
function dataSettings(flags: Flags, cwd: string): DataSettings {
  const out: Record<string, string | number | boolean> = {};
  for (const name of DATA_FLAGS) {
    const value = flags[name];
    if (value == null) continue;
    if (PATH_FLAGS.has(name)) out[name] = String(value).split(",").map((part) => resolve(cwd, part.trim())).join(",");
    else if (name === "prompt_type") out[name] = resolvePromptType(String(value)).name;
    else out[name] = value;
  }
  return out;
}

/** Where the run writes: a checkpoint's own folder when resuming from one, else h2oGPT's default name. */
function defaultOutputFor(flags: Flags, resume: string | boolean | undefined): string {
  if (typeof resume === "string") return resolve(resume, "..");
  if (resume === true && (flags.base_model == null || flags.data_path == null))
    throw new UsageError("--resume_from_checkpoint=True resumes the newest checkpoint in --output_dir: give --output_dir");
  return defaultOutputDir(flags.base_model!, flags.data_path!, flags.num_epochs ?? FINETUNE_DEFAULTS.numEpochs);
}

const shown = (value: string | number | boolean | undefined): string => (value === undefined ? "not given (the default)" : JSON.stringify(value));

/** The checkpoint's data settings, with those given again; one given differently is refused by name. */
function resumedDataSettings(given: DataSettings, checkpoint: {path: string; state: TrainerState}): DataSettings {
  const saved = checkpoint.state.dataSettings;
  if (saved == null) return given;
  const differences = Object.entries(given)
    .filter(([name, value]) => (saved[name] ?? DATA_DEFAULTS[name]) !== value)
    .map(([name, value]) => `--${name}: ${shown(saved[name] ?? DATA_DEFAULTS[name])} in the checkpoint, ${shown(value)} now`);
  if (differences.length > 0)
    throw new UsageError(`--resume_from_checkpoint ${checkpoint.path}: ${differences.join("; ")} (leave the flag out to use the checkpoint's)`);
  return {...saved, ...given};
}

/** The prompt type every row was rendered with, if there is exactly one (custom is not kept: its prompt_dict is not stored). */
function solePromptType(counts: Readonly<Record<string, number>> | undefined, io: Io): string | undefined {
  const names = Object.keys(counts ?? {});
  if (names.length > 1)
    io.stderr.write(`note: the rows use ${names.length} prompt types, so the model does not record one; give --prompt_type to generate\n`);
  return names.length === 1 && names[0] !== "custom" ? names[0] : undefined;
}

/** The prompt types of a prepared folder, from the report.json `h2ogpt prepare` wrote beside the rows. */
async function preparedPromptTypes(dataPath: string): Promise<Record<string, number> | undefined> {
  if (!(await stat(dataPath).catch(() => undefined))?.isDirectory()) return undefined;
  const text = await readFile(join(dataPath, "report.json"), "utf8").catch(() => undefined);
  if (text == null) return undefined;
  try {
    return (JSON.parse(text) as {promptTypes?: Record<string, number>}).promptTypes;
  } catch {
    return undefined;
  }
}

const REWARD_CUTOFF_LEN = 512;

function rewardPooling(value: string | undefined): RewardPooling | undefined {
  if (value == null || (REWARD_POOLINGS as readonly string[]).includes(value)) return value as RewardPooling | undefined;
  throw new UsageError(`--reward_pooling: expected ${REWARD_POOLINGS.join(" or ")}, got '${value}'`);
}

/** Prepare flags that mean nothing for preference pairs (every token of a pair's sequences is fed and none is predicted). */
const NOT_FOR_REWARD = ["train_on_inputs", "add_eos_token", "data_col_dict"] as const;

/** Preference records -> tokenized pairs with the base model's tokenizer and the prompt flags (finetune --reward). */
async function rewardRows(flags: Flags, io: Io, tokenizerSource: string): Promise<{rows: FinetuneRow[]; promptType?: string}> {
  const dataPath = resolve(io.cwd, flags.data_path!);
  if (await isPreparedData(dataPath))
    throw new UsageError(`--reward: --data_path ${flags.data_path} is tokenized rows; give preference records {prompt, chosen, rejected}`);
  const refused = NOT_FOR_REWARD.find((name) => flags[name] != null);
  if (refused != null) throw new UsageError(`--${refused} does not apply to --reward (each answer is scored whole)`);
  const prepared = await prepareOptionsFromFlags(flags, io);
  const shared = {
    tokenizer: await baseModelTokenizerPath(tokenizerSource),
    cwd: io.cwd,
    promptType: prepared.promptType,
    promptDict: prepared.promptDict,
    systemPrompt: prepared.systemPrompt,
    chatTemplate: prepared.chatTemplate,
    cutoffLen: flags.cutoff_len ?? REWARD_CUTOFF_LEN,
    excessLengthStrategy: prepared.excessLengthStrategy,
    seed: flags.seed,
    signal: io.signal,
    onWarning: (line: string) => io.stderr.write(`${line}\n`)
  };
  const train = await readRewardPairs({...shared, dataPath: flags.data_path!, valSetSize: flags.val_set_size});
  const rows: FinetuneRow[] = [...train.rows];
  const describe = (pairs: typeof train, what: string) =>
    `${what}: ${pairs.read} records, ${pairs.rows.length} pairs, ${pairs.dropped.length} skipped, ${pairs.truncated} truncated to --cutoff_len=${shared.cutoffLen}\n`;
  io.stderr.write(describe(train, "preference pairs"));
  if (flags.valid_path != null) {
    const valid = await readRewardPairs({...shared, dataPath: flags.valid_path});
    for (const row of valid.rows) rows.push({...row, split: "valid"});
    io.stderr.write(describe(valid, "validation pairs (--valid_path)"));
  }
  return {rows, promptType: train.promptType === "custom" ? undefined : train.promptType};
}

/** A prepared folder is read as it is; records are prepared like h2oGPT's finetune.py does, with the base model's tokenizer. */
async function trainingRows(
  flags: Flags,
  io: Io,
  tokenizerSource: string
): Promise<({dataPath: string} | {rows: FinetuneRow[]}) & {promptType?: string}> {
  const dataPath = resolve(io.cwd, flags.data_path!);
  if (await isPreparedData(dataPath)) {
    const ignored = Object.keys(PREPARE_FLAGS).filter((name) => flags[name as keyof typeof PREPARE_FLAGS] != null);
    if (ignored.length > 0) throw new UsageError(`--data_path ${flags.data_path} is already tokenized; --${ignored[0]} does not apply to it`);
    return {dataPath, promptType: solePromptType(await preparedPromptTypes(dataPath), io)};
  }
  const tokenizer = await baseModelTokenizerPath(tokenizerSource);
  const shared: Omit<PrepareOptions, "dataPath"> = {
    tokenizer,
    cwd: io.cwd,
    ...(await prepareOptionsFromFlags(flags, io)),
    valSetSize: undefined,
    seed: flags.seed,
    signal: io.signal
  };
  const rows: FinetuneRow[] = [];
  const train = prepare({...shared, dataPath: flags.data_path!, valSetSize: flags.val_set_size});
  for await (const row of train) rows.push(row);
  const report = await train.report();
  io.stderr.write(formatReport(report) + "\n");
  if (flags.valid_path != null) {
    const valid = prepare({...shared, dataPath: flags.valid_path});
    for await (const row of valid) rows.push({inputIds: row.inputIds, labels: row.labels, split: "valid"});
    io.stderr.write(`validation (--valid_path): ${formatReport(await valid.report()).split("\n")[1]}\n`);
  }
  return {rows, promptType: solePromptType(report.promptTypes, io)};
}
