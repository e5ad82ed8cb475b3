import {mkdir, readFile, rm, stat, statfs} from "node:fs/promises";
import {homedir} from "node:os";
import {basename, join, resolve} from "node:path";
import {convertedHfModel, isHfModelFolder} from "../hf/index.js";
import {writeFileAtomic} from "../util/index.js";
import {ModelDownloadError, ModelNotFoundError} from "./engine-errors.js";

/**
 * Remote models (`hf:OWNER/REPO:QUANT`, `hf:OWNER/REPO/FILE.gguf`, `https://.../FILE.gguf`) resolved to a file in
 * the models cache, downloaded once by node-llama-cpp's own resolver and downloader (split GGUF parts, resume from
 * the `.ipull` file it keeps beside a partial download, `HF_TOKEN`, `MODEL_ENDPOINT` / `HF_ENDPOINT`). A cached
 * model is used without any request; offline mode never makes one.
 */

/** `~/.cache/h2ogpt-ts/models`, unless `H2OGPT_MODELS_DIR` or `--models_dir` says otherwise. */
export const DEFAULT_MODELS_DIR = join(homedir(), ".cache", "h2ogpt-ts", "models");

/** The cache record written beside a downloaded model: what it came from and the size of each file. */
export interface CachedModelRecord {
  readonly source: string;
  readonly files: readonly {name: string; size: number}[];
  readonly downloadedAt: string;
}

export interface DownloadProgress {
  readonly model: string;
  readonly downloadedBytes: number;
  readonly totalBytes: number;
}

export interface ResolveModelOptions {
  /** A path (returned resolved against `cwd`, untouched otherwise), `hf:OWNER/REPO[:QUANT]`, `hf:OWNER/REPO/FILE.gguf` or an http(s) URL. */
  readonly model: string;
  /** The models cache; defaults to `H2OGPT_MODELS_DIR`, then DEFAULT_MODELS_DIR. */
  readonly modelsDir?: string;
  /** Resolve only from the cache; defaults to `H2OGPT_OFFLINE` / `HF_HUB_OFFLINE` in `env`. */
  readonly offline?: boolean;
  /** Where the hub endpoint (`MODEL_ENDPOINT`, `HF_ENDPOINT`), `HF_TOKEN` and the offline variables are read; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** A download that receives no new byte for this long is stopped (its partial file kept to resume). Defaults to 60 s. */
  readonly stallTimeoutMs?: number;
}

export interface ResolvedModel {
  /** The local file to load (for a split GGUF, its first part). */
  readonly path: string;
  /** The remote name it was resolved from; undefined for a path. */
  readonly source?: string;
  /** `OWNER/REPO` for a Hugging Face model (a better name for prompt type detection than the cache file's). */
  readonly repo?: string;
  /** True when this call downloaded it. */
  readonly downloaded: boolean;
  /** The Hugging Face folder a path named, when `path` is its GGUF converted into `<models_dir>/converted/`. */
  readonly convertedFrom?: string;
  /** True when this call converted it (false when the cached conversion was reused). */
  readonly converted?: boolean;
}

const REMOTE = /^(?:hf:|huggingface:|https?:\/\/)/i;

/** Whether `--base_model` and the like name a remote model rather than a path. */
export function isRemoteModel(value: string): boolean {
  return REMOTE.test(value);
}

const truthy = (value: string | undefined): boolean => value != null && /^(?:1|true|yes|on)$/i.test(value.trim());

export function modelsDirectory(options: {modelsDir?: string; env?: NodeJS.ProcessEnv; cwd?: string}): string {
  const env = options.env ?? process.env;
  const dir = options.modelsDir || env.H2OGPT_MODELS_DIR || DEFAULT_MODELS_DIR;
  return resolve(options.cwd ?? process.cwd(), dir);
}

/** h2oGPT's offline mode: `--offline`, `H2OGPT_OFFLINE=1` or `HF_HUB_OFFLINE=1`. */
export function isOfflineMode(options: {offline?: boolean; env?: NodeJS.ProcessEnv}): boolean {
  if (options.offline != null) return options.offline;
  const env = options.env ?? process.env;
  return truthy(env.H2OGPT_OFFLINE) || truthy(env.HF_HUB_OFFLINE);
}

/** The hub node-llama-cpp talks to, read from `env` in its own order: MODEL_ENDPOINT, then HF_ENDPOINT. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = [env.MODEL_ENDPOINT, env.HF_ENDPOINT].find((value) => value != null && /^https?:\/\//i.test(value)) ?? "https://huggingface.co/";
  return endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
}

/** `hf:OWNER/REPO[:TAG]` or `hf:OWNER/REPO/PATH` split up; undefined for anything else. */
export function parseHfModel(model: string): {owner: string; repo: string; tag?: string; file?: string} | undefined {
  const match = /^(?:hf|huggingface):(?:\/\/)?([^/]+)\/([^/:]+)(?::([^/]+)|\/(.+))?$/i.exec(model.trim());
  if (match == null) return undefined;
  return {owner: match[1]!, repo: match[2]!, tag: match[3], file: match[4]?.replace(/#.*$/, "")};
}

/**
 * The cache name of a URL's file: its own name. Passing it to node-llama-cpp makes a second run find the file
 * by name without asking the server for one.
 */
function urlFileName(model: string): string | undefined {
  if (!/^https?:\/\//i.test(model)) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(new URL(model).pathname.split("/").pop() ?? "");
  } catch {
    throw new ModelNotFoundError(`${model}: not a valid URL`);
  }
  if (!/\.gguf$/i.test(name)) return undefined;
  return name.replace(/[^\w.+-]/g, "_");
}

const recordPath = (modelPath: string): string => `${modelPath}.json`;

export async function readCacheRecord(modelPath: string): Promise<CachedModelRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(modelPath), "utf8")) as CachedModelRecord;
  } catch {
    return undefined;
  }
}

/** Why a cached file must not be used (its size is not the one downloaded), or undefined when it is fine. */
async function cacheProblem(modelPath: string): Promise<string | undefined> {
  const record = await readCacheRecord(modelPath);
  if (record == null) return undefined;
  const dir = resolve(modelPath, "..");
  for (const file of record.files) {
    const size = (await stat(join(dir, file.name)).catch(() => undefined))?.size;
    if (size == null) return `is missing its part ${file.name}`;
    if (size !== file.size) return `has ${size} bytes where ${file.size} were downloaded`;
  }
  return undefined;
}

/** Deletes a cached model: its file(s) and its record. */
export async function removeCachedModel(modelPath: string): Promise<void> {
  const record = await readCacheRecord(modelPath);
  const dir = resolve(modelPath, "..");
  const names = new Set([basename(modelPath), ...(record?.files.map((file) => file.name) ?? [])]);
  for (const name of names) {
    await rm(join(dir, name), {force: true});
    await rm(join(dir, `${name}.ipull`), {force: true});
  }
  await rm(recordPath(modelPath), {force: true});
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

/**
 * The local file for a model: a path as it is (a Hugging Face folder as its GGUF, converted into the cache once); a
 * remote model from the cache, or downloaded into it first. Errors
 * are one line each: ModelNotFoundError (exit 2) for an unknown repo, a missing quantization (with those there are)
 * or a model missing offline; ModelDownloadError for a refusal (HF_TOKEN), an unreachable or stalling server, a
 * full disk. A partial download is kept under node-llama-cpp's `.ipull` name, never under the model's own.
 */
export async function resolveModel(options: ResolveModelOptions): Promise<ResolvedModel> {
  const {model} = options;
  const env = options.env ?? process.env;
  if (!isRemoteModel(model)) {
    const path = resolve(options.cwd ?? process.cwd(), model);
    if (!(await isHfModelFolder(path))) return {path, downloaded: false};
    // llama.cpp loads GGUF only: a Hugging Face folder is converted once and the conversion reused while it is unchanged.
    const converted = await convertedHfModel({folder: path, cacheDir: modelsDirectory({...options, env})});
    return {path: converted.path, downloaded: false, convertedFrom: path, converted: converted.converted};
  }
  const hf = parseHfModel(model);
  if (/^(?:hf|huggingface):/i.test(model) && hf == null) throw new ModelNotFoundError(`${model}: expected hf:OWNER/REPO:QUANT or hf:OWNER/REPO/FILE.gguf`);
  const repo = hf == null ? undefined : `${hf.owner}/${hf.repo}`;
  const directory = modelsDirectory({...options, env});
  const offline = isOfflineMode({offline: options.offline, env});
  const endpoints = {huggingFace: hubEndpoint(env)};
  const fileName = urlFileName(model);
  const {resolveModelFile, createModelDownloader} = await import("node-llama-cpp");

  // The cache, by the name node-llama-cpp gives the file: no request at all.
  let cached: string | undefined;
  try {
    cached = await resolveModelFile(model, {directory, download: false, cli: false, fileName, endpoints});
  } catch (error) {
    const message = (error as Error).message;
    if (!/No model file found|Not all split parts/.test(message)) throw new ModelNotFoundError(`${model}: ${message}`, {cause: error});
  }
  if (cached != null) {
    const problem = await cacheProblem(cached);
    if (problem == null) return {path: cached, source: model, repo, downloaded: false};
    if (offline) throw new ModelNotFoundError(`${model}: the cached ${basename(cached)} ${problem}; run once without offline mode to download it again`);
    await removeCachedModel(cached);
  }
  if (offline)
    throw new ModelNotFoundError(
      `${model} is not in the models cache ${directory}, and offline mode (--offline, H2OGPT_OFFLINE or HF_HUB_OFFLINE) makes no download: run once without it`
    );
  if (options.signal?.aborted) throw options.signal.reason;

  try {
    await mkdir(directory, {recursive: true});
  } catch (error) {
    throw new ModelDownloadError(`cannot create the models cache ${directory}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, undefined, {cause: error});
  }
  let best = 0;
  let lastGain = Date.now();
  const report = (downloadedBytes: number, totalBytes: number): void => {
    if (downloadedBytes > best) {
      best = downloadedBytes;
      lastGain = Date.now();
    }
    options.onProgress?.({model, downloadedBytes, totalBytes});
  };
  // ipull retries an unreachable server for minutes; a first request of our own fails fast with the reason.
  if (hf == null || hf.file != null) await probe(model, hf, endpoints.huggingFace, env, options.signal);
  let downloader: Awaited<ReturnType<typeof createModelDownloader>>;
  try {
    downloader = await createModelDownloader({
      modelUri: model,
      dirPath: directory,
      fileName,
      showCliProgress: false,
      // A cancelled download keeps its partial file so the next run resumes it.
      deleteTempFileOnCancel: false,
      skipExisting: true,
      endpoints,
      tokens: {huggingFace: env.HF_TOKEN || undefined},
      onProgress: ({downloadedSize, totalSize}) => report(downloadedSize, totalSize)
    });
  } catch (error) {
    throw await explainFailure(error, {model, hf, endpoint: endpoints.huggingFace, env});
  }
  const total = downloader.totalSize;
  await checkFreeSpace(directory, total - downloader.downloadedSize, model).catch(async (error: unknown) => {
    await downloader.cancel({deleteTempFile: false});
    throw error;
  });
  report(downloader.downloadedSize, total);

  const stallMs = options.stallTimeoutMs ?? 60_000;
  let stalled = false;
  let stop: (error: Error) => void = () => {};
  const stopped = new Promise<never>((_resolve, reject) => (stop = reject));
  const watchdog = setInterval(() => {
    if (Date.now() - lastGain < stallMs) return;
    stalled = true;
    stop(new Error("stalled"));
  }, Math.max(10, Math.min(1000, stallMs / 4)));
  watchdog.unref();
  try {
    await Promise.race([downloader.download({signal: options.signal}), stopped]);
  } catch (error) {
    if (options.signal?.aborted) {
      await downloader.cancel({deleteTempFile: false}).catch(() => {});
      throw options.signal.reason;
    }
    if (stalled) {
      await downloader.cancel({deleteTempFile: false}).catch(() => {});
      throw new ModelDownloadError(
        `${model}: the download stalled (no data for ${Math.round(stallMs / 1000)} s: the server closed the connection or stopped sending); ` +
          `${megabytes(best)} of ${megabytes(total)} received and kept, run again to resume`
      );
    }
    throw await explainFailure(error, {model, hf, endpoint: endpoints.huggingFace, env});
  } finally {
    clearInterval(watchdog);
  }

  // Every file must be whole under its final name before it is used or recorded.
  const files: {name: string; size: number}[] = [];
  for (const file of downloader.filesInfo) {
    const size = (await stat(file.filePath).catch(() => undefined))?.size;
    if (size == null || (file.totalSize > 0 && size !== file.totalSize))
      throw new ModelDownloadError(`${model}: the download of ${file.fileName} stopped at ${megabytes(size ?? best)} of ${megabytes(file.totalSize)}; run again to resume`);
    files.push({name: file.fileName, size});
  }
  const record: CachedModelRecord = {source: model, files, downloadedAt: new Date().toISOString()};
  await writeFileAtomic(recordPath(downloader.entrypointFilePath), JSON.stringify(record, null, 2) + "\n");
  return {path: downloader.entrypointFilePath, source: model, repo, downloaded: true};
}

/** One HEAD request to the file: an unreachable server, a refusal or a missing file becomes its one-line error here. */
async function probe(model: string, hf: ReturnType<typeof parseHfModel>, endpoint: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const url =
    hf == null
      ? model
      : `${endpoint}${encodeURIComponent(hf.owner)}/${encodeURIComponent(hf.repo)}/resolve/main/${hf.file!.split("/").map(encodeURIComponent).join("/")}`;
  const sameHost = new URL(url).host === new URL(endpoint).host || /(^|\.)(huggingface|hf)\.co$/.test(new URL(url).hostname);
  const headers: Record<string, string> = sameHost && env.HF_TOKEN ? {authorization: `Bearer ${env.HF_TOKEN}`} : {};
  let response: Response;
  try {
    response = await fetch(url, {method: "HEAD", headers, signal: signal == null ? AbortSignal.timeout(60_000) : AbortSignal.any([signal, AbortSignal.timeout(60_000)])});
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const inner = (error as {cause?: {code?: string; message?: string; errors?: {code?: string}[]}}).cause;
    const cause = inner?.code ?? inner?.errors?.[0]?.code ?? inner?.message ?? (error as Error).message;
    throw new ModelDownloadError(`${model}: cannot reach ${new URL(url).origin} (${cause})`, undefined, {cause: error});
  }
  if ([401, 403, 404].includes(response.status))
    throw await explainFailure(Object.assign(new Error(`HTTP ${response.status}`), {statusCode: response.status}), {model, hf, endpoint, env});
}

async function checkFreeSpace(directory: string, bytes: number, model: string): Promise<void> {
  if (!(bytes > 0)) return;
  const fs = await statfs(directory).catch(() => undefined);
  if (fs == null) return;
  const free = fs.bavail * fs.bsize;
  if (free < bytes) throw new ModelDownloadError(`${model}: not enough disk space in ${directory}: the download needs ${megabytes(bytes)}, ${megabytes(free)} are free`);
}

interface FailureContext {
  readonly model: string;
  readonly hf: ReturnType<typeof parseHfModel>;
  readonly endpoint: string;
  readonly env: NodeJS.ProcessEnv;
}

const TOKEN_HINT = "set HF_TOKEN to a Hugging Face token that has access (for a gated model, accept its licence on the hub first)";

/** node-llama-cpp's and ipull's errors as one line that says what to do. */
async function explainFailure(error: unknown, context: FailureContext): Promise<Error> {
  const {model, hf} = context;
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as {statusCode?: unknown}).statusCode;
  const code = (error as NodeJS.ErrnoException).code ?? ((error as {cause?: {code?: string}}).cause?.code);
  if (code === "ENOSPC" || /ENOSPC|no space left/i.test(message))
    return new ModelDownloadError(`${model}: the disk is full; the partial download is kept, free some space and run again to resume`, undefined, {cause: error});
  const manifestStatus = /Failed to fetch manifest for .*: (\d{3})/.exec(message)?.[1];
  const missingQuant = /Cannot get quantization/.test(message);
  const httpStatus = typeof status === "number" ? status : manifestStatus != null ? Number(manifestStatus) : undefined;
  if (hf != null && (missingQuant || httpStatus === 401 || httpStatus === 403 || httpStatus === 404)) {
    const explained = await explainRepo(hf, context).catch(() => undefined);
    if (explained != null) return explained;
  }
  if (httpStatus === 401 || httpStatus === 403)
    return new ModelDownloadError(`${model}: the server refused the download (HTTP ${httpStatus}); ${TOKEN_HINT}`, httpStatus, {cause: error});
  if (httpStatus === 404 || missingQuant) return new ModelNotFoundError(`${model}: not found (HTTP 404)`, {cause: error});
  if (typeof httpStatus === "number") return new ModelDownloadError(`${model}: the download failed with HTTP ${httpStatus}`, httpStatus, {cause: error});
  if (/fetch failed/i.test(message) || code === "ECONNREFUSED" || code === "ENOTFOUND")
    return new ModelDownloadError(`${model}: cannot reach ${hf != null ? context.endpoint : new URL(model).origin} (${code ?? "fetch failed"})`, undefined, {cause: error});
  return new ModelDownloadError(`${model}: the download failed: ${message.split("\n")[0]}`, undefined, {cause: error});
}

/** The GGUF quantizations named in a repo's file names (`Llama-3.2-1B-Instruct-Q4_K_M.gguf` -> Q4_K_M). */
export async function quantizationsOf(fileNames: readonly string[]): Promise<string[]> {
  const {ggufFileQuantNames} = await import("node-llama-cpp");
  const names = [...ggufFileQuantNames].sort((a, b) => b.length - a.length);
  const found = new Set<string>();
  for (const file of fileNames) {
    if (!/\.gguf$/i.test(file) || /mmproj/i.test(file)) continue;
    const stem = file.replace(/\.gguf$/i, "").replace(/-\d{5}-of-\d{5}$/, "").toUpperCase();
    const quant = names.find((name) => new RegExp(`(?:^|[-._/])${name}(?:[-._]|$)`).test(stem));
    if (quant != null) found.add(quant);
  }
  return [...found].sort();
}

/** Asks the hub's model API about the repo: unknown, refused, or there with these GGUF files. */
async function explainRepo(hf: NonNullable<ReturnType<typeof parseHfModel>>, context: FailureContext): Promise<Error | undefined> {
  const {model, env} = context;
  const url = `${context.endpoint}api/models/${encodeURIComponent(hf.owner)}/${encodeURIComponent(hf.repo)}`;
  const headers: Record<string, string> = env.HF_TOKEN ? {authorization: `Bearer ${env.HF_TOKEN}`} : {};
  const response = await fetch(url, {headers});
  const errorCode = response.headers.get("x-error-code");
  if (response.status === 404 || errorCode === "RepoNotFound")
    return new ModelNotFoundError(
      `${model}: no repository ${hf.owner}/${hf.repo} on ${new URL(context.endpoint).host}` + (response.status === 401 && !env.HF_TOKEN ? `; if it is private, ${TOKEN_HINT}` : "")
    );
  if (response.status === 401 || response.status === 403)
    return new ModelDownloadError(`${model}: the hub refused access to ${hf.owner}/${hf.repo} (HTTP ${response.status}); ${TOKEN_HINT}`, response.status);
  if (!response.ok) return undefined;
  const body = (await response.json()) as {siblings?: {rfilename?: string}[]};
  const files = (body.siblings ?? []).map((sibling) => sibling.rfilename).filter((name): name is string => typeof name === "string");
  const ggufs = files.filter((name) => /\.gguf$/i.test(name));
  if (ggufs.length === 0) return new ModelNotFoundError(`${model}: ${hf.owner}/${hf.repo} has no GGUF files (h2ogpt-ts runs GGUF models; look for a -GGUF repository)`);
  if (hf.file != null) return new ModelNotFoundError(`${model}: ${hf.owner}/${hf.repo} has no file ${hf.file}; its GGUF files: ${ggufs.join(", ")}`);
  const quants = await quantizationsOf(ggufs);
  const wanted = hf.tag == null || hf.tag === "" ? "default (Q4_K_M)" : hf.tag.toUpperCase();
  return new ModelNotFoundError(
    `${model}: ${hf.owner}/${hf.repo} has no ${wanted} quantization; available: ${quants.length > 0 ? quants.join(", ") : ggufs.join(", ")}`
  );
}
