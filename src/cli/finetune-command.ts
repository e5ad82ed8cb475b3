import {basename, resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import {formatReport, prepare, type PrepareOptions} from "../data/index.js";
import {
  DEFAULT_LORA_TARGET_MODULES,
  FINETUNE_DEFAULTS,
  LR_SCHEDULES,
  baseModelTokenizerPath,
  finetune,
  isPreparedData,
  type FinetuneRow
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

export const finetuneCommand = defineCommand({
  name: "finetune",
  summary: "fine-tune a llama GGUF on CPU (LoRA by default, --full for every weight) and export GGUF",
  usage: [
    "h2ogpt finetune --base_model=model.gguf --data_path=records.jsonl --prompt_type=human_bot --output_dir=out",
    "h2ogpt finetune --base_model=model.gguf --data_path=prepared/ --output_dir=out --full --num_epochs=3",
    "h2ogpt finetune --resume_from_checkpoint=out/checkpoint-40 --data_path=records.jsonl --output_dir=out",
    "--data_path: records (prepared with the base model's tokenizer and the prepare flags below, as h2oGPT's",
    "finetune.py does) or the output folder of `h2ogpt prepare`. The base model is a llama-architecture GGUF with",
    "F32/F16 weights (quantized models cannot be trained) or a checkpoint folder of an earlier run. Small models",
    "only: this trains on the CPU (about 500 tokens/s for a 5M-parameter model on 2 cores).",
    "Writes OUTPUT_DIR/adapter.gguf (LoRA; load it with `h2ogpt generate --lora_weights`), model.gguf (--full, or",
    "--merge), metrics.jsonl, loss.svg and checkpoint-N/. Ctrl-C saves a checkpoint; --resume_from_checkpoint",
    "continues the same loss curve."
  ],
  flags: {
    base_model: {kind: "string", description: "llama GGUF (F32/F16) or a finetune checkpoint folder"},
    data_path: {kind: "string", description: "records (file, comma list or folder) or a prepared folder"},
    output_dir: {kind: "string", description: "where adapters, models, metrics and checkpoints go", defaultText: "{model}.{data_path}.{num_epochs}_epochs"},
    ...PREPARE_FLAGS,
    full: {kind: "boolean", description: "train every weight instead of LoRA adapters", defaultText: "False"},
    lora_r: {kind: "number", description: "LoRA rank", defaultText: String(FINETUNE_DEFAULTS.loraR)},
    lora_alpha: {kind: "number", description: "LoRA alpha (scale alpha/r)", defaultText: String(FINETUNE_DEFAULTS.loraAlpha)},
    lora_dropout: {kind: "number", description: "dropout on the adapters' input", defaultText: String(FINETUNE_DEFAULTS.loraDropout)},
    lora_target_modules: {
      kind: "list",
      description: "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head or all-linear",
      defaultText: `"${JSON.stringify(DEFAULT_LORA_TARGET_MODULES)}"`
    },
    micro_batch_size: {kind: "number", description: "rows per forward/backward pass", defaultText: String(FINETUNE_DEFAULTS.microBatchSize)},
    batch_size: {kind: "number", description: "rows per optimizer step (gradient accumulation)", defaultText: String(FINETUNE_DEFAULTS.batchSize)},
    num_epochs: {kind: "number", description: "passes over the data", defaultText: String(FINETUNE_DEFAULTS.numEpochs)},
    group_by_length: {kind: "boolean", description: "micro-batches of rows of similar length (less padding)", defaultText: "False"},
    pad_to_multiple_of: {kind: "number", description: "pad micro-batches to a multiple of N tokens (fewer shapes to compile)", defaultText: "8"},
    learning_rate: {kind: "number", description: "peak AdamW learning rate", defaultText: String(FINETUNE_DEFAULTS.learningRate)},
    warmup_steps: {kind: "number", description: "linear warmup steps", defaultText: String(FINETUNE_DEFAULTS.warmupSteps)},
    weight_decay: {kind: "number", description: "AdamW decoupled weight decay (not on norms)", defaultText: String(FINETUNE_DEFAULTS.weightDecay)},
    lr_scheduler_type: {kind: "string", description: `decay after warmup: ${Object.keys(LR_SCHEDULES).join(", ")}`, defaultText: FINETUNE_DEFAULTS.lrSchedulerType},
    max_grad_norm: {kind: "number", description: "gradient clipping by global norm (0: off)", defaultText: String(FINETUNE_DEFAULTS.maxGradNorm)},
    eval_steps: {kind: "number", description: "evaluate every N steps (with validation rows)", defaultText: "about 20 per run"},
    save_steps: {kind: "number", description: "save a checkpoint every N steps", defaultText: "at the end and on Ctrl-C"},
    save_total_limit: {kind: "number", description: "checkpoints kept", defaultText: String(FINETUNE_DEFAULTS.saveTotalLimit)},
    resume_from_checkpoint: {kind: "string", description: "a checkpoint folder, or True for the newest in --output_dir"},
    seed: {kind: "number", description: "seed for adapters, shuffling, dropout and the validation split", defaultText: String(FINETUNE_DEFAULTS.seed)},
    merge: {kind: "boolean", description: "also write the base model with the adapters merged (model.gguf)", defaultText: "False"},
    output_type: {kind: "string", description: "weights of written models: f32 or f16", defaultText: "f32"},
    model_name: {kind: "string", description: "general.name of written models"},
    threads: {kind: "number", description: "compute threads", defaultText: "the number of CPUs"}
  },
  async run({flags, positionals}, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
    const resume = resumeOption(flags.resume_from_checkpoint, io.cwd);
    if (flags.data_path == null) throw new UsageError("--data_path is required (records, or a folder written by h2ogpt prepare)");
    if (flags.base_model == null && resume == null)
      throw new UsageError("--base_model is required (a llama GGUF with F32/F16 weights, or a checkpoint folder)");
    const numEpochs = flags.num_epochs ?? FINETUNE_DEFAULTS.numEpochs;
    const outputDir = resolve(
      io.cwd,
      flags.output_dir ?? (typeof resume === "string" ? resolve(resume, "..") : defaultOutputDir(flags.base_model ?? "model", flags.data_path, numEpochs))
    );
    const baseModel = flags.base_model == null ? undefined : resolve(io.cwd, flags.base_model);
    const outputType = flags.output_type == null ? undefined : flags.output_type.toUpperCase();
    if (outputType != null && outputType !== "F32" && outputType !== "F16")
      throw new UsageError(`--output_type: expected f32 or f16, got '${flags.output_type}'`);

    const data = await trainingRows(flags, io, baseModel, resume);
    let progress: Progress | undefined;
    const result = await finetune({
      baseModel,
      ...data,
      outputDir,
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
      resumeFromCheckpoint: resume,
      seed: flags.seed,
      merge: flags.merge,
      outputType: outputType as "F32" | "F16" | undefined,
      modelName: flags.model_name,
      threads: flags.threads,
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
      `trained ${result.steps} steps (${result.mode === "full" ? "full" : "LoRA"}): train loss ${result.trainLoss.toFixed(4)}` +
        (result.evalLoss == null ? "" : `, eval loss ${result.evalLoss.toFixed(4)}`) +
        `, ${Math.round(result.tokensPerSecond)} tokens/s`
    ];
    if (result.adapterPath != null) lines.push(`adapter: ${result.adapterPath}`);
    if (result.modelPath != null) lines.push(`model: ${result.modelPath}`);
    lines.push(`metrics: ${result.metricsPath}`, `loss chart: ${result.chartPath}`, `checkpoint: ${result.checkpointPath}`);
    io.stdout.write(lines.join("\n") + "\n");
  }
});

type Flags = Parameters<(typeof finetuneCommand)["run"]>[0]["flags"];

/** A prepared folder is read as it is; records are prepared like h2oGPT's finetune.py does, with the base model's tokenizer. */
async function trainingRows(
  flags: Flags,
  io: Parameters<(typeof finetuneCommand)["run"]>[1],
  baseModel: string | undefined,
  resume: string | boolean | undefined
): Promise<{dataPath: string} | {rows: FinetuneRow[]}> {
  const dataPath = resolve(io.cwd, flags.data_path!);
  if (await isPreparedData(dataPath)) {
    const ignored = Object.keys(PREPARE_FLAGS).filter((name) => flags[name as keyof typeof PREPARE_FLAGS] != null);
    if (ignored.length > 0) throw new UsageError(`--data_path ${flags.data_path} is already tokenized; --${ignored[0]} does not apply to it`);
    return {dataPath};
  }
  const tokenizerSource = baseModel ?? (typeof resume === "string" ? resume : undefined);
  if (tokenizerSource == null) throw new UsageError("--base_model is needed to tokenize --data_path");
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
  io.stderr.write(formatReport(await train.report()) + "\n");
  if (flags.valid_path != null) {
    const valid = prepare({...shared, dataPath: flags.valid_path});
    for await (const row of valid) rows.push({inputIds: row.inputIds, labels: row.labels, split: "valid"});
    io.stderr.write(`validation (--valid_path): ${formatReport(await valid.report()).split("\n")[1]}\n`);
  }
  return {rows};
}
