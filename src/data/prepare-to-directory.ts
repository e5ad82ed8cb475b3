import {constants} from "node:fs";
import {access, mkdir, stat} from "node:fs/promises";
import {dirname, join, relative, resolve, isAbsolute} from "node:path";
import {H2oGptError, InputFileError, UsageError} from "../errors/index.js";
import {writeFileAtomic} from "../util/index.js";
import {prepare} from "./prepare.js";
import type {PrepareOptions} from "./prepare-options.js";
import type {PrepareReport} from "./prepare-report.js";
import {createRowWriter, OUTPUT_FORMATS, type OutputFormat} from "./row-writers.js";

export interface PrepareToDirectoryOptions extends PrepareOptions {
  readonly outputDir: string;
  /** `jsonl` (default): train.jsonl / valid.jsonl; `parquet`: train.parquet / valid.parquet. */
  readonly format?: OutputFormat;
}

/** The report and the files written (paths under `outputDir` as given). */
export interface PreparedFiles {
  readonly report: PrepareReport;
  readonly format: OutputFormat;
  readonly train: string;
  readonly valid: string;
  readonly reportPath: string;
}

/** Ctrl-C (or the signal) during a run: the temporary files are removed and nothing looks finished. */
export class PrepareInterruptedError extends H2oGptError {
  override readonly exitCode: number = 130;

  constructor() {
    super("interrupted: no output was written (temporary files removed)");
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** The output folder must not sit inside an input folder, or the next run would read its own output as data. */
async function checkOutsideInputs(outputDir: string, dataPath: string | readonly string[], cwd: string): Promise<void> {
  const paths = typeof dataPath === "string" ? dataPath.split(",") : dataPath;
  for (const path of paths.map((p) => p.trim()).filter(Boolean)) {
    const folder = resolve(cwd, path);
    if (!(await isDirectory(folder))) continue;
    const inside = relative(folder, outputDir);
    if (inside === "" || (!inside.startsWith("..") && !isAbsolute(inside)))
      throw new UsageError(`--output_dir ${outputDir} is inside the --data_path folder ${path}: the output would be read as input next time`);
  }
}

/**
 * Fails now, not after tokenizing, when `outputDir` could not be made: its nearest existing ancestor must be a
 * writable folder. Nothing is created.
 */
async function checkCanMake(outputDir: string, shown: string): Promise<void> {
  let path = outputDir;
  let info = await stat(path).catch(() => undefined);
  while (info == null && dirname(path) !== path) {
    path = dirname(path);
    info = await stat(path).catch(() => undefined);
  }
  const problem = info == null ? "ENOENT" : !info.isDirectory() ? "ENOTDIR" : await access(path, constants.W_OK).then(() => undefined, (error: NodeJS.ErrnoException) => error.code ?? String(error));
  if (problem != null) throw new InputFileError(shown, `cannot create the output folder (${problem})`);
}

/**
 * Runs `prepare` and writes train / valid files and report.json into `outputDir`. Each file is written under a
 * temporary name and renamed when complete; on any failure or interruption the temporary files are removed.
 */
export async function prepareToDirectory(options: PrepareToDirectoryOptions): Promise<PreparedFiles> {
  const format = options.format ?? "jsonl";
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`--format: expected ${OUTPUT_FORMATS.join(" or ")}, got '${format}'`);
  const cwd = options.cwd ?? process.cwd();
  const outputDir = resolve(cwd, options.outputDir);
  await checkOutsideInputs(outputDir, options.dataPath, cwd);
  await checkCanMake(outputDir, options.outputDir);
  const rows = prepare(options);
  // Made with the first row (or the report of a run with none), so a run that fails before that leaves no folder.
  let outputDirMade = false;
  const makeOutputDir = async (): Promise<void> => {
    if (outputDirMade) return;
    try {
      await mkdir(outputDir, {recursive: true});
    } catch (error) {
      throw new InputFileError(options.outputDir, `cannot create the output folder (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    outputDirMade = true;
  };
  const writers = {
    train: createRowWriter(format, join(outputDir, `train.${format}`)),
    valid: createRowWriter(format, join(outputDir, `valid.${format}`))
  };
  // Paths as the user gave the folder, for messages.
  const shown = (name: string) => join(options.outputDir, name);
  try {
    for await (const row of rows) {
      options.signal?.throwIfAborted();
      await makeOutputDir();
      await writers[row.split].write(row);
    }
    await makeOutputDir();
    await writers.train.finish();
    await writers.valid.finish();
  } catch (error) {
    await Promise.all([writers.train.abort(), writers.valid.abort()]);
    if (options.signal?.aborted) throw new PrepareInterruptedError();
    throw error;
  }
  const report = await rows.report();
  const outputs = {format, train: shown(`train.${format}`), valid: shown(`valid.${format}`)};
  await writeFileAtomic(join(outputDir, "report.json"), JSON.stringify({...report, outputs}, null, 2) + "\n");
  return {report, ...outputs, reportPath: shown("report.json")};
}
