import {resolve} from "node:path";
import {H2oGptError, UsageError} from "../errors/index.js";
import {
  OUTPUT_FORMATS,
  formatReport,
  prepareToDirectory,
  type OutputFormat
} from "../data/index.js";
import {defineCommand} from "./command.js";
import {PREPARE_RECORD_FLAGS, prepareOptionsFromFlags} from "./prepare-flags.js";
import {createProgress} from "./progress.js";

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
    ...PREPARE_RECORD_FLAGS,
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
      ...(await prepareOptionsFromFlags(flags, io)),
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
