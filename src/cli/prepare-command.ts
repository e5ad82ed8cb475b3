import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {H2oGptError, InputFileError, UsageError} from "../errors/index.js";
import {
  EXCESS_LENGTH_STRATEGIES,
  OUTPUT_FORMATS,
  formatReport,
  prepareToDirectory,
  type ExcessLengthStrategy,
  type OutputFormat
} from "../data/index.js";
import {defineCommand} from "./command.js";
import {createProgress} from "./progress.js";

/** --drop_truncations (h2oGPT's finetune.py flag) and --excess_length_strategy must agree when both are given. */
function excessLengthStrategy(strategy: string | undefined, dropTruncations: boolean | undefined): ExcessLengthStrategy | undefined {
  if (strategy != null && !(EXCESS_LENGTH_STRATEGIES as readonly string[]).includes(strategy))
    throw new UsageError(`--excess_length_strategy: expected ${EXCESS_LENGTH_STRATEGIES.join(", ")}, got '${strategy}'`);
  if (dropTruncations === true && strategy != null && strategy !== "drop")
    throw new UsageError(`--drop_truncations=True means --excess_length_strategy=drop, not ${strategy}`);
  return dropTruncations === true ? "drop" : (strategy as ExcessLengthStrategy | undefined);
}

async function readChatTemplate(path: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), "utf8");
  } catch (error) {
    throw new InputFileError(path, `cannot read the chat template (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

export const prepareCommand = defineCommand({
  name: "prepare",
  summary: "turn instruction / chat / text records into tokenized training rows, with a per-reason drop report",
  usage: [
    "h2ogpt prepare --data_path=data.jsonl --tokenizer=tokenizer.json --output_dir=prepared [--prompt_type=human_bot]",
    "h2ogpt prepare --data_path=a.csv,b.parquet --data_col_dict=\"{'question': 'input', 'answer': 'output'}\" --tokenizer=model.gguf --output_dir=out --train_on_inputs=False --val_set_size=1000",
    "Records: instruction / input / output (+ context, system_prompt, prompt_type, prompt_dict per record; missing",
    "columns are empty), OpenAI `messages` or ShareGPT `conversations` (the last assistant turn is the answer), or",
    "`text` used as it is. Files: .jsonl, .json (array or lines), .csv, .tsv, .parquet, also .gz; or a folder.",
    "Writes OUTPUT_DIR/train.jsonl, valid.jsonl (or .parquet) and report.json; the report also goes to stderr.",
    "Records that cannot be used are counted per reason with file:line; --strict stops at the first one (exit 1)."
  ],
  flags: {
    data_path: {kind: "string", description: "a file, a comma-separated list of files, or a folder"},
    tokenizer: {
      kind: "string",
      description: "tokenizer.json, its folder, or a GGUF file",
      aliases: ["tokenizer_base_model", "base_model"]
    },
    output_dir: {kind: "string", description: "where train/valid files and report.json are written"},
    data_col_dict: {kind: "string", description: "column renames, e.g. \"{'A': 'input', 'B': 'output'}\" (JSON or Python dict)"},
    prompt_type: {kind: "string", description: "prompt type for records without their own (name or number)", defaultText: "plain"},
    prompt_dict: {kind: "string", description: "prompt_dict for prompt_type custom (JSON or Python dict)"},
    system_prompt: {kind: "string", description: "system prompt ('' for none)", defaultText: "the prompt type's own"},
    chat_template: {kind: "string", description: "a Jinja chat template file for prompt_type unknown/template", defaultText: "the tokenizer's"},
    cutoff_len: {kind: "number", description: "most tokens per row", defaultText: "512"},
    add_eos_token: {kind: "boolean", description: "append EOS when the row does not end with it and there is room", defaultText: "False"},
    train_on_inputs: {kind: "boolean", description: "False sets the labels of prompt tokens to -100", defaultText: "True"},
    excess_length_strategy: {kind: "string", description: "rows over --cutoff_len: truncate, drop or raise", defaultText: "truncate"},
    drop_truncations: {kind: "boolean", description: "h2oGPT's spelling of --excess_length_strategy=drop", defaultText: "False"},
    val_set_size: {kind: "number", description: "validation rows: a count, or a fraction below 1", defaultText: "0"},
    seed: {kind: "number", description: "seed of the validation split and the shuffle", defaultText: "42"},
    shuffle: {kind: "boolean", description: "shuffle with a streaming buffer of --shuffle_buffer records", defaultText: "False"},
    shuffle_buffer: {kind: "number", description: "records held by --shuffle", defaultText: "10000"},
    format: {kind: "string", description: "output format: jsonl or parquet", defaultText: "jsonl"},
    strict: {kind: "boolean", description: "stop at the first record that cannot be used (exit 1)", defaultText: "False"},
    workers: {kind: "number", description: "tokenizer threads (0: tokenize on the main thread)", defaultText: "the number of CPUs, at most 4"}
  },
  async run({flags, positionals}, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
    if (flags.data_path == null) throw new UsageError("--data_path is required (a file, a comma-separated list or a folder)");
    if (flags.tokenizer == null) throw new UsageError("--tokenizer is required (a tokenizer.json, its folder, or a GGUF file)");
    if (flags.output_dir == null) throw new UsageError("--output_dir is required");
    if (flags.format != null && !(OUTPUT_FORMATS as readonly string[]).includes(flags.format))
      throw new UsageError(`--format: expected ${OUTPUT_FORMATS.join(" or ")}, got '${flags.format}'`);

    let progress: ReturnType<typeof createProgress> | undefined;
    const {report, train, valid, reportPath} = await prepareToDirectory({
      dataPath: flags.data_path,
      tokenizer: resolve(io.cwd, flags.tokenizer),
      outputDir: flags.output_dir,
      cwd: io.cwd,
      format: flags.format as OutputFormat | undefined,
      dataColDict: flags.data_col_dict,
      promptType: flags.prompt_type,
      promptDict: flags.prompt_dict,
      systemPrompt: flags.system_prompt,
      chatTemplate: flags.chat_template == null ? undefined : await readChatTemplate(flags.chat_template, io.cwd),
      cutoffLen: flags.cutoff_len,
      addEosToken: flags.add_eos_token,
      trainOnInputs: flags.train_on_inputs,
      excessLengthStrategy: excessLengthStrategy(flags.excess_length_strategy, flags.drop_truncations),
      valSetSize: flags.val_set_size,
      seed: flags.seed,
      shuffle: flags.shuffle,
      shuffleBufferSize: flags.shuffle_buffer,
      strict: flags.strict,
      workers: flags.workers,
      signal: io.signal,
      onProgress(state) {
        progress ??= createProgress({stream: io.stderr, label: "prepare", total: megabytes(state.totalBytes), unit: "MB"});
        progress.update(megabytes(state.bytesRead), `records ${state.read}, written ${state.written}, dropped ${state.dropped}`);
      }
    }).finally(() => progress?.finish());
    io.stderr.write(formatReport(report, {train, valid}) + `\nreport: ${reportPath}\n`);
    if (report.written === 0)
      throw new H2oGptError(report.read === 0 ? "no records found in --data_path" : `no rows written: all ${report.read} records were dropped (see the report above)`);
  }
});

function megabytes(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}
