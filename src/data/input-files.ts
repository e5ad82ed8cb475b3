import {open, readdir, stat} from "node:fs/promises";
import {basename, join, resolve} from "node:path";
import {InputFileError, UsageError} from "../errors/index.js";

export type InputFormat = "jsonl" | "json" | "csv" | "tsv" | "parquet";

export interface InputFile {
  /** The path as the user gave it (or joined under the folder they gave): used in file:line references. */
  readonly path: string;
  readonly absolutePath: string;
  readonly format: InputFormat;
  readonly gzip: boolean;
  /** Bytes on disk (compressed size for .gz), for progress. */
  readonly size: number;
}

/** File extensions prepare reads; `.json` is sniffed (JSON array or JSON Lines, as Hugging Face datasets does). */
const FORMAT_BY_EXTENSION: Readonly<Record<string, InputFormat>> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".csv": "csv",
  ".tsv": "tsv",
  ".parquet": "parquet",
  ".pq": "parquet"
};

const KNOWN = Object.keys(FORMAT_BY_EXTENSION).join(", ");

function formatOf(path: string): {format: InputFormat; gzip: boolean} | undefined {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith(".gz");
  const name = gzip ? lower.slice(0, -3) : lower;
  const dot = name.lastIndexOf(".");
  const format = dot === -1 ? undefined : FORMAT_BY_EXTENSION[name.slice(dot)];
  if (format == null || (gzip && format === "parquet")) return undefined;
  return {format, gzip};
}

async function filesUnder(folder: string, cwd: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(resolve(cwd, folder), {withFileTypes: true, recursive: true});
  } catch (error) {
    throw new InputFileError(folder, `cannot read the folder (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .map((entry) => join(folder, entry.parentPath.slice(resolve(cwd, folder).length), entry.name))
    .sort();
}

export interface ListedInputs {
  readonly files: InputFile[];
  /** Files inside a given folder that were skipped because their extension is not a data format. */
  readonly ignored: string[];
}

/**
 * Resolves `--data_path`: one path, a comma-separated list, or an array; each a file or a folder (read recursively,
 * hidden files skipped, sorted by path). A named file must exist and have a known extension (exit code 2
 * otherwise); unknown files inside a folder are listed in `ignored` so the report can name them.
 */
export async function listInputFiles(dataPath: string | readonly string[], cwd = process.cwd()): Promise<ListedInputs> {
  const given = (typeof dataPath === "string" ? dataPath.split(",") : [...dataPath]).map((p) => p.trim()).filter(Boolean);
  if (given.length === 0) throw new UsageError("--data_path is required (a file, a comma-separated list or a folder)");
  const files: InputFile[] = [];
  const ignored: string[] = [];
  for (const path of given) {
    let info;
    try {
      info = await stat(resolve(cwd, path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(path, code === "ENOENT" ? "no such file or folder" : `cannot read (${code ?? error})`);
    }
    if (info.isDirectory()) {
      const inside = await filesUnder(path, cwd);
      const known = inside.filter((file) => formatOf(file) != null);
      ignored.push(...inside.filter((file) => formatOf(file) == null));
      if (known.length === 0) throw new InputFileError(path, `no data files in this folder (expected ${KNOWN}, optionally .gz)`);
      for (const file of known) files.push(await describe(file, cwd));
    } else {
      files.push(await describe(path, cwd));
    }
  }
  return {files, ignored};
}

async function describe(path: string, cwd: string): Promise<InputFile> {
  const kind = formatOf(path);
  if (kind == null)
    throw new InputFileError(path, `cannot tell the format of '${basename(path)}' (expected ${KNOWN}, optionally .gz)`);
  const full = resolve(cwd, path);
  let size: number;
  try {
    const handle = await open(full, "r");
    size = (await handle.stat()).size;
    await handle.close();
  } catch (error) {
    throw new InputFileError(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return {path, absolutePath: full, format: kind.format, gzip: kind.gzip, size};
}
