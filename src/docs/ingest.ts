import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {lstat, open, readdir, readFile, stat} from "node:fs/promises";
import {basename, join, resolve, sep} from "node:path";
import type {CollectionIndex, IngestOp} from "./collection-index.js";
import type {DocumentRecord, ChunkInput} from "./document-collection.js";
import type {ArchiveLimits, DatasetColumns, DocumentInput, LoadedDocument, LoadFailure, OcrRunner} from "./document-types.js";
import {DocumentLoadError} from "./docs-errors.js";
import type {Embedder} from "./embedder.js";
import {fetchUrl} from "./fetch-url.js";
import {loadDocuments} from "./load-documents.js";
import {chunkDocument} from "./chunk-document.js";

export interface IngestOptions {
  readonly collection: CollectionIndex;
  /** Files, folders (recursively; hidden entries skipped), with `allowUrls` http(s) URLs, and uploaded files' bytes. */
  readonly inputs: readonly (string | UploadedFile)[];
  readonly cwd?: string;
  readonly chunkSize?: number;
  readonly chunkOverlap?: number;
  /** Measures chunks in tokens instead of characters (`--chunk_size_tokens` with a tokenizer). */
  readonly lengthOf?: (text: string) => number;
  readonly embedder?: Embedder;
  readonly ocr: OcrRunner;
  readonly archiveLimits?: ArchiveLimits;
  readonly dataset?: DatasetColumns;
  readonly allowUrls?: boolean;
  /** Which resolved addresses a URL may reach (tests); every public address by default. */
  readonly allowAddress?: (ip: string) => boolean;
  /** Folders never ingested (the collections' own databases, when they sit inside an ingested folder). */
  readonly exclude?: readonly string[];
  /** For each folder input, delete the collection's files under it that are no longer there (a synchronised folder). */
  readonly removeMissing?: boolean;
  /** Files larger than this are read as streams (datasets) or refused (other formats). */
  readonly maxFileBytes?: number;
  /** A batch is committed once it holds this many characters of text. */
  readonly batchChars?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: IngestProgress) => void;
}

export interface IngestProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly documents: number;
  readonly chunks: number;
}

export interface IngestSummary {
  /** Files (and URLs) new to the collection, changed since the last ingest, unchanged, failed, and removed. */
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly removed: number;
  readonly documents: number;
  readonly chunks: number;
  /** Bytes of input read. */
  readonly bytes: number;
  readonly textChars: number;
  readonly seconds: number;
  /** The first failures (at most 1,000); `failureCount` has them all. */
  readonly failures: readonly LoadFailure[];
  readonly failureCount: number;
}

const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
const DEFAULT_BATCH_CHARS = 4 * 1024 * 1024;
const EMBED_BATCH = 32;
const MAX_LISTED_FAILURES = 1000;
/** Formats a loader reads as a stream from disk, so a dump larger than memory still ingests. */
const STREAMED_EXTENSIONS = /\.(jsonl|ndjson|csv|tsv|parquet)$/i;

/** A file that arrived as bytes (an upload): `source` (default: the name) keys it in the collection as a path does. */
export interface UploadedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly source?: string;
}

type Input =
  | {readonly kind: "file"; readonly path: string; readonly size: number}
  | {readonly kind: "url"; readonly url: string}
  | {readonly kind: "bytes"; readonly file: UploadedFile; readonly size: number};

function keyOf(input: Input): string {
  return input.kind === "file" ? input.path : input.kind === "url" ? input.url : (input.file.source ?? input.file.name);
}


/**
 * Ingests files, folders and URLs into a collection: each loaded, chunked (h2oGPT's splitter), embedded when an
 * embedder is given, and indexed. Idempotent and incremental: a file is keyed by its path (or URL) and content hash,
 * so an unchanged file is skipped, a changed one replaces its documents, and a run cut short (kill -9, Ctrl-C) is
 * finished by running it again. Failures never stop the batch: each is listed with its source and reason.
 *
 * @example
 * const summary = await ingest({collection, inputs: ["docs/"], ocr: createTesseractOcr()});
 * console.log(summary.added, summary.chunks, summary.failures);
 */
export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const {collection, signal} = options;
  const cwd = options.cwd ?? process.cwd();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const batchChars = options.batchChars ?? DEFAULT_BATCH_CHARS;
  const failures: LoadFailure[] = [];
  let failureCount = 0;
  const fail = (failure: LoadFailure): void => {
    failureCount++;
    if (failures.length < MAX_LISTED_FAILURES) failures.push(failure);
  };
  const counts = {added: 0, updated: 0, unchanged: 0, failed: 0, removed: 0, documents: 0, chunks: 0, bytes: 0, textChars: 0};

  const exclude = new Set([...(collection.localFolder == null ? [] : [collection.localFolder]), ...(options.exclude ?? []).map((folder) => resolve(cwd, folder))]);
  // An input refused or missing before it is read counts as a failed file, so `failed` agrees with the list.
  const {inputs, folders} = await expandInputs(options.inputs, cwd, options.allowUrls === true, exclude, (failure) => {
    counts.failed++;
    fail(failure);
  });
  const bytesTotal = inputs.reduce((sum, input) => sum + (input.kind === "url" ? 0 : input.size), 0);
  if (options.embedder != null)
    await collection.useEmbedding(options.embedder.identity, `h2ogpt ingest --langchain_mode=<collection> --embedding_model=${options.embedder.identity.name} --reembed`);

  let pending: IngestOp[] = [];
  let pendingChars = 0;
  const fileIds = new Map<string, number>();
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const ops = pending;
    pending = [];
    pendingChars = 0;
    await collection.commitBatch(ops, fileIds);
  };

  let filesDone = 0;
  const progress = (): void =>
    options.onProgress?.({filesDone, filesTotal: inputs.length, bytesDone: counts.bytes, bytesTotal, documents: counts.documents, chunks: counts.chunks});

  try {
    for (const input of inputs) {
      signal?.throwIfAborted();
      const key = keyOf(input);
      const file = await readInput(input, {maxFileBytes, allowAddress: options.allowAddress, signal}).catch((error: unknown) => {
        if (signal?.aborted) throw error;
        fail(failureOf(key, error));
        return undefined;
      });
      filesDone++;
      if (file == null) {
        counts.failed++;
        progress();
        continue;
      }
      counts.bytes += file.size;
      const stored = await collection.file(key);
      if (stored?.hash === file.hash) {
        counts.unchanged++;
        progress();
        continue;
      }
      pending.push({op: "begin", key, bytes: file.size});
      const beginIndex = pending.length - 1;
      let documents = 0;
      let fileFailures = 0;
      const onFailure = (failure: LoadFailure): void => {
        fileFailures++;
        fail(failure);
      };
      for await (const document of loadDocuments({
        input: file.input,
        ocr: options.ocr,
        archiveLimits: options.archiveLimits,
        dataset: options.dataset,
        signal,
        onFailure
      })) {
        const record = await toRecord(document, options);
        if (record.chunks.length === 0) {
          onFailure({source: document.source, reason: "no text found: the document is empty after extraction"});
          continue;
        }
        pending.push({op: "document", key, record});
        documents++;
        counts.documents++;
        counts.chunks += record.chunks.length;
        counts.textChars += record.textChars;
        pendingChars += record.textChars;
        if (pendingChars >= batchChars) await flush();
        progress();
      }
      if (documents === 0) {
        // Nothing usable: the file's earlier version (if any) stays as it was. No batch was committed since `begin`.
        pending.splice(beginIndex, 1);
        if (fileFailures === 0) fail({source: key, reason: "no text found"});
        counts.failed++;
        progress();
        continue;
      }
      pending.push({op: "finish", key, hash: file.hash});
      if (stored == null) counts.added++;
      else counts.updated++;
      progress();
    }
    if (options.removeMissing) {
      const present = new Set(inputs.map(keyOf));
      for (const folder of folders)
        for (const stale of await collection.filesUnder(folder + sep))
          if (!present.has(stale.path)) {
            await flush();
            await collection.deleteSource(stale.path);
            counts.removed++;
          }
    }
  } finally {
    // Whatever is complete is kept, also when interrupted: the next run redoes only the unfinished file.
    await flush();
  }
  progress();
  return {...counts, seconds: (performance.now() - started) / 1000, failures, failureCount};
}

/** The document chunked, and embedded when the ingest has an embedder (in batches, as the engine takes them). */
async function toRecord(document: LoadedDocument, options: IngestOptions): Promise<DocumentRecord> {
  const record = chunkDocument({document, chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap, lengthOf: options.lengthOf});
  if (options.embedder == null || record.chunks.length === 0) return record;
  const chunks: ChunkInput[] = [];
  for (let i = 0; i < record.chunks.length; i += EMBED_BATCH) {
    const batch = record.chunks.slice(i, i + EMBED_BATCH);
    const vectors = await options.embedder.embed(
      batch.map((chunk) => chunk.content),
      options.signal
    );
    batch.forEach((chunk, j) => chunks.push({...chunk, vector: vectors[j]}));
  }
  return {...record, chunks};
}

interface ReadInput {
  readonly input: DocumentInput;
  readonly hash: string;
  readonly size: number;
}

async function readInput(input: Input, options: {maxFileBytes: number; allowAddress?: (ip: string) => boolean; signal?: AbortSignal}): Promise<ReadInput> {
  if (input.kind === "bytes") {
    const {file} = input;
    return {input: {name: file.name, source: keyOf(input), bytes: file.bytes}, hash: createHash("sha256").update(file.bytes).digest("hex"), size: file.bytes.length};
  }
  if (input.kind === "url") {
    const fetched = await fetchUrl({url: input.url, signal: options.signal, allowAddress: options.allowAddress});
    return {
      input: {name: fetched.name, source: input.url, bytes: fetched.bytes},
      hash: createHash("sha256").update(fetched.bytes).digest("hex"),
      size: fetched.bytes.length
    };
  }
  const {path, size} = input;
  if (size > options.maxFileBytes) {
    if (!STREAMED_EXTENSIONS.test(path))
      throw new DocumentLoadError(path, `file too large: ${size} bytes (the limit is ${options.maxFileBytes}; only JSONL, CSV, TSV and Parquet datasets are streamed)`);
    const head = Buffer.alloc(64 * 1024);
    const handle = await open(path, "r");
    const {bytesRead} = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
    return {input: {name: basename(path), source: path, bytes: head.subarray(0, bytesRead), path}, hash: await hashFile(path, options.signal), size};
  }
  const bytes = await readFile(path, {signal: options.signal});
  return {input: {name: basename(path), source: path, bytes, path}, hash: createHash("sha256").update(bytes).digest("hex"), size: bytes.length};
}

async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, {signal})) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Files in a stable order (folders walked depth-first, names sorted), URLs as given, missing paths reported. */
async function expandInputs(
  raw: readonly (string | UploadedFile)[],
  cwd: string,
  allowUrls: boolean,
  exclude: ReadonlySet<string>,
  fail: (failure: LoadFailure) => void
): Promise<{inputs: Input[]; folders: string[]}> {
  const inputs: Input[] = [];
  const folders: string[] = [];
  const seen = new Set<string>();
  for (const item of raw) {
    if (typeof item !== "string") {
      inputs.push({kind: "bytes", file: item, size: item.bytes.length});
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(item)) {
      if (!allowUrls) fail({source: item, reason: "URLs are fetched only with --allow_urls"});
      else if (!seen.has(item)) {
        seen.add(item);
        inputs.push({kind: "url", url: item});
      }
      continue;
    }
    const path = resolve(cwd, item);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      fail({source: path, reason: info.code === "ENOENT" ? "no such file or folder" : `cannot read: ${info.message}`});
      continue;
    }
    if (info.isDirectory()) {
      folders.push(path);
      await walk(path, inputs, seen, exclude, fail);
    } else if (!seen.has(path)) {
      seen.add(path);
      inputs.push({kind: "file", path, size: info.size});
    }
  }
  return {inputs, folders};
}

async function walk(folder: string, inputs: Input[], seen: Set<string>, exclude: ReadonlySet<string>, fail: (failure: LoadFailure) => void): Promise<void> {
  if (exclude.has(folder)) return;
  const entries = await readdir(folder, {withFileTypes: true}).catch((error: Error) => {
    fail({source: folder, reason: `cannot list the folder: ${error.message}`});
    return [];
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, inputs, seen, exclude, fail);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      // Symbolic links to files are followed; links to folders are not, so a link loop cannot recurse forever.
      const info = entry.isFile() ? await lstat(path) : await stat(path).catch(() => undefined);
      if (info == null || !info.isFile() || seen.has(path)) continue;
      seen.add(path);
      inputs.push({kind: "file", path, size: info.size});
    }
  }
}

function failureOf(source: string, error: unknown): LoadFailure {
  if (error instanceof DocumentLoadError) return {source: error.source, reason: error.reason};
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  return {source, reason: code === "EACCES" ? "permission denied" : `cannot read: ${message}`};
}
