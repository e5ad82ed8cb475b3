import {readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {Document} from "@langchain/core/documents";
import {RecursiveCharacterTextSplitter} from "@langchain/textsplitters";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {
  chunkDocument,
  createEmbedder,
  createTesseractOcr,
  DocumentCollection,
  ingest,
  retrieve,
  splitText,
  type DocumentFormat,
  type DocumentRecord,
  type Embedder
} from "../src/docs/index.js";
import {queryTerms} from "../src/docs/search-terms.js";
import type {ExtractedDocument} from "./ingest-corpus.js";

/**
 * One measured run of bench/ingest.ts in its own process, so its peak RSS and bytes written are its own. Prints
 * one JSON line at the end. Modes:
 *   ingest DB_DIR INPUTS_JSON [MODEL THREADS]   our ingest() end to end (loaders, chunker, index; embeddings with MODEL)
 *   ours-index DUMP DB_DIR [MAX_CHUNKS]         our chunker + index on already extracted text (the first documents
 *                                               that reach MAX_CHUNKS chunks, when given)
 *   peer-index DUMP QUERIES_JSON TOPK MAX_CHUNKS   LangChain.js splitter + an in-memory BM25 inverted index; the queries
 *                                               run (untimed for the build) once MAX_CHUNKS chunks are in, and at the end
 *   query DB_PATH QUERIES_JSON TOPK [MODEL THREADS]   retrieve() latency (BM25, or hybrid with MODEL)
 *   embed MODEL CHUNKS_JSON THREADS ROUNDS      our embedder against node-llama-cpp's LlamaEmbeddingContext
 */

export interface ProcessFigures {
  /** VmHWM: the process's peak resident set. */
  readonly peakRssMb: number;
  /** Bytes passed to write(2)/pwrite(2) (/proc/self/io wchar), and bytes sent to the block layer (write_bytes). */
  readonly wcharBytes: number;
  readonly writeBytes: number;
}

export interface IngestResult extends ProcessFigures {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly files: number;
  readonly documents: number;
  readonly chunks: number;
  readonly inputBytes: number;
  readonly textChars: number;
  readonly failureCount: number;
  readonly failures: readonly string[];
  readonly dbBytes: number;
  /** RSS and V8 heap (MB) each time another tenth of the input bytes was done. */
  readonly memory: readonly {readonly done: number; readonly rssMb: number; readonly heapMb: number; readonly externalMb: number}[];
}

export interface IndexResult extends ProcessFigures {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly documents: number;
  readonly chunks: number;
  readonly textBytes: number;
  readonly dbBytes: number;
  /** Peer only: query latencies once `queryChunksAt` chunks were indexed, and over the whole index. */
  readonly queryChunksAt?: number;
  readonly queryMsAt?: readonly number[];
  readonly queryMs?: readonly number[];
}

export interface QueryResult extends ProcessFigures {
  readonly chunks: number;
  readonly firstMs: number;
  readonly ms: readonly number[];
  readonly hits: number;
}

export interface EmbedResult extends ProcessFigures {
  readonly texts: number;
  readonly tokens: number;
  readonly dimension: number;
  readonly oursRates: readonly number[];
  readonly peerRates: readonly number[];
  /** Texts per CPU second of the process (all threads) in each round: steadier than wall time on a busy machine. */
  readonly oursCpuRates: readonly number[];
  readonly peerCpuRates: readonly number[];
  /** Cosine similarity of the two sides' vectors for the same text (1 when they agree). */
  readonly agreement: number;
}

const BATCH_CHARS = 4 * 1024 * 1024;

function processFigures(): ProcessFigures {
  const status = readFileSync("/proc/self/status", "utf8");
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const io = readFileSync("/proc/self/io", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(io)?.[1] ?? 0);
  return {peakRssMb: Math.round(hwm / 1024), wcharBytes: field("wchar"), writeBytes: field("write_bytes")};
}

function duBytes(path: string): number {
  const info = statSync(path, {throwIfNoEntry: false});
  if (info == null) return 0;
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}

function timer(): () => {seconds: number; cpuSeconds: number} {
  const start = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6};
  };
}

function readDump(path: string): ExtractedDocument[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ExtractedDocument);
}

const collectionFile = (dir: string) => join(dir, "bench.sqlite3");

async function runIngest(dbDir: string, inputsPath: string, modelPath?: string, threads?: number): Promise<IngestResult> {
  const inputs = JSON.parse(readFileSync(inputsPath, "utf8")) as string[];
  const collection = DocumentCollection.open(collectionFile(dbDir));
  const embedder = modelPath == null ? undefined : await createEmbedder({modelPath, threads});
  const memory: {done: number; rssMb: number; heapMb: number; externalMb: number}[] = [];
  const onProgress = (progress: {bytesDone: number; bytesTotal: number}): void => {
    const done = progress.bytesDone / Math.max(1, progress.bytesTotal);
    if (done < (memory.length + 1) / 10) return;
    // Under `node --expose-gc` (a diagnostic run, not the bench's), the heap figure is what is still reachable.
    (globalThis as {gc?: () => void}).gc?.();
    const usage = process.memoryUsage();
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    memory.push({done, rssMb: mb(usage.rss), heapMb: mb(usage.heapUsed), externalMb: mb(usage.external + usage.arrayBuffers)});
  };
  const stop = timer();
  const summary = await ingest({collection, inputs, ocr: createTesseractOcr(), embedder, onProgress});
  const {seconds, cpuSeconds} = stop();
  const stats = collection.stats();
  collection.close();
  await embedder?.close();
  return {
    seconds,
    cpuSeconds,
    files: stats.files,
    documents: summary.documents,
    chunks: summary.chunks,
    inputBytes: summary.bytes,
    textChars: summary.textChars,
    failureCount: summary.failureCount,
    failures: summary.failures.slice(0, 8).map((failure) => `${failure.source}: ${failure.reason}`),
    dbBytes: duBytes(dbDir),
    memory,
    ...processFigures()
  };
}

/** What ingest() does after loading (toRecord + the batched transactions), on text extracted beforehand. */
async function runOursIndex(dumpPath: string, dbDir: string, maxChunks = Infinity): Promise<IndexResult> {
  const all = readDump(dumpPath);
  let documents = all;
  if (Number.isFinite(maxChunks)) {
    let count = 0;
    const end = all.findIndex((document) => (count += document.segments.reduce((sum, segment) => sum + splitText({text: segment.text}).length, 0)) >= maxChunks);
    // Whole files only: the cut is moved to the end of the file that holds the document reaching MAX_CHUNKS.
    let cut = end === -1 ? all.length : end + 1;
    while (cut < all.length && all[cut]!.file === all[cut - 1]!.file) cut++;
    documents = all.slice(0, cut);
  }
  const collection = DocumentCollection.open(collectionFile(dbDir));
  const stop = timer();
  let chunkCount = 0;
  let textBytes = 0;
  let pending: {file: string; first: boolean; last: boolean; record: DocumentRecord}[] = [];
  let pendingChars = 0;
  const fileIds = new Map<string, number>();
  const flush = (): void => {
    const ops = pending;
    pending = [];
    pendingChars = 0;
    collection.transaction(() => {
      for (const op of ops) {
        if (op.first) fileIds.set(op.file, collection.beginFile(op.file, 0));
        collection.addDocument(fileIds.get(op.file)!, op.record);
        if (op.last) collection.finishFile(fileIds.get(op.file)!, "done");
      }
    });
  };
  documents.forEach((document, i) => {
    const record = chunkDocument({document: {...document, format: document.format as DocumentFormat}});
    for (const segment of document.segments) textBytes += Buffer.byteLength(segment.text);
    chunkCount += record.chunks.length;
    const textChars = record.textChars;
    pending.push({file: document.file, first: documents[i - 1]?.file !== document.file, last: documents[i + 1]?.file !== document.file, record});
    pendingChars += textChars;
    if (pendingChars >= BATCH_CHARS && pending.at(-1)!.last) flush();
  });
  if (pending.length > 0) flush();
  const {seconds, cpuSeconds} = stop();
  collection.close();
  return {seconds, cpuSeconds, documents: documents.length, chunks: chunkCount, textBytes, dbBytes: duBytes(dbDir), ...processFigures()};
}

/**
 * The peer: LangChain.js's RecursiveCharacterTextSplitter (512 / 0) over LangChain Documents (one per segment,
 * with source and page metadata), then an in-memory Okapi BM25 inverted index (lower-cased Unicode words, no
 * stemming; k1 1.2, b 0.75) holding the chunk Documents: what a LangChain.js app keeps for a BM25 retriever.
 */
class Bm25Index {
  private readonly postings = new Map<string, number[]>();
  private readonly lengths: number[] = [];
  private totalLength = 0;
  readonly documents: Document[] = [];

  add(document: Document): void {
    const id = this.documents.length;
    this.documents.push(document);
    const counts = new Map<string, number>();
    const words = document.pageContent.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    for (const [word, count] of counts) {
      let list = this.postings.get(word);
      if (list == null) this.postings.set(word, (list = []));
      list.push(id, count);
    }
    this.lengths.push(words.length);
    this.totalLength += words.length;
  }

  search(terms: readonly string[], k: number): {document: Document; score: number}[] {
    const n = this.lengths.length;
    const average = this.totalLength / Math.max(1, n);
    const scores = new Map<number, number>();
    for (const term of terms) {
      const list = this.postings.get(term);
      if (list == null) continue;
      const df = list.length / 2;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; i += 2) {
        const id = list[i]!;
        const tf = list[i + 1]!;
        const score = (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * this.lengths[id]!) / average));
        scores.set(id, (scores.get(id) ?? 0) + score);
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id, score]) => ({document: this.documents[id]!, score}));
  }
}

async function runPeerIndex(dumpPath: string, queriesPath: string, topK: number, maxChunks: number): Promise<IndexResult> {
  const documents = readDump(dumpPath);
  const queries = JSON.parse(readFileSync(queriesPath, "utf8")) as string[];
  const splitter = new RecursiveCharacterTextSplitter({chunkSize: 512, chunkOverlap: 0});
  const index = new Bm25Index();
  // Same question terms as ours (words, stop words dropped), so both rank the same words.
  const runQueries = (): number[] => {
    const ms: number[] = [];
    index.search(queryTerms(queries[0]!), topK);
    for (const query of queries) {
      const start = performance.now();
      index.search(queryTerms(query), topK);
      ms.push(performance.now() - start);
    }
    return ms;
  };
  let seconds = 0;
  let cpuSeconds = 0;
  let stop = timer();
  let textBytes = 0;
  let queryChunksAt: number | undefined;
  let queryMsAt: number[] | undefined;
  for (let i = 0; i < documents.length; i++) {
    const document = documents[i]!;
    const pages = document.segments.map((segment) => {
      textBytes += Buffer.byteLength(segment.text);
      return new Document({pageContent: segment.text, metadata: {source: document.source, page: segment.page}});
    });
    for (const chunk of await splitter.splitDocuments(pages)) index.add(chunk);
    if (queryMsAt == null && index.documents.length >= maxChunks && documents[i + 1]?.file !== document.file) {
      const part = stop();
      seconds += part.seconds;
      cpuSeconds += part.cpuSeconds;
      queryChunksAt = index.documents.length;
      queryMsAt = runQueries();
      stop = timer();
    }
  }
  const part = stop();
  seconds += part.seconds;
  cpuSeconds += part.cpuSeconds;
  const queryMs = runQueries();
  return {seconds, cpuSeconds, documents: documents.length, chunks: index.documents.length, textBytes, dbBytes: 0, queryChunksAt, queryMsAt, queryMs, ...processFigures()};
}

async function runQuery(dbPath: string, queriesPath: string, topK: number, modelPath?: string, threads?: number): Promise<QueryResult> {
  const queries = JSON.parse(readFileSync(queriesPath, "utf8")) as string[];
  const collection = DocumentCollection.open(dbPath, {create: false});
  const embedder: Embedder | undefined = modelPath == null ? undefined : await createEmbedder({modelPath, threads});
  const chunks = collection.stats().chunks;
  let start = performance.now();
  await retrieve({collection, query: queries[0]!, topK, embedder});
  const firstMs = performance.now() - start;
  const ms: number[] = [];
  let hits = 0;
  for (const query of queries) {
    start = performance.now();
    const found = await retrieve({collection, query, topK, embedder});
    ms.push(performance.now() - start);
    if (found.length > 0) hits++;
  }
  collection.close();
  await embedder?.close();
  return {chunks, firstMs, ms, hits, ...processFigures()};
}

async function runEmbed(modelPath: string, chunksPath: string, threads: number, rounds: number): Promise<EmbedResult> {
  const texts = JSON.parse(readFileSync(chunksPath, "utf8")) as string[];
  // Ours: the embedder ingest uses (batches of 32, as ingest sends them).
  const ours = await createEmbedder({modelPath, threads});
  // Peer: node-llama-cpp's own embedding context on its own model instance, same context size and threads.
  const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
  const model = await llama.loadModel({modelPath});
  const context = await model.createEmbeddingContext({contextSize: Math.min(model.trainContextSize, 8192), threads});
  const tokens = texts.reduce((sum, text) => sum + model.tokenize(text).length, 0);
  const runOurs = async (): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 32) out.push(...(await ours.embed(texts.slice(i, i + 32))));
    return out;
  };
  const runPeer = async (): Promise<readonly number[][]> => {
    const out: number[][] = [];
    for (const text of texts) out.push([...(await context.getEmbeddingFor(text)).vector]);
    return out;
  };
  const [a] = await ours.embed([texts[0]!]);
  const b = (await context.getEmbeddingFor(texts[0]!)).vector;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a!.length; i++) {
    dot += a![i]! * b[i]!;
    na += a![i]! ** 2;
    nb += b[i]! ** 2;
  }
  const oursRates: number[] = [];
  const peerRates: number[] = [];
  const oursCpuRates: number[] = [];
  const peerCpuRates: number[] = [];
  // ABBA order, so a drift in machine load weighs on both sides alike.
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"]) {
      const stop = timer();
      await (side === "ours" ? runOurs() : runPeer());
      const {seconds, cpuSeconds} = stop();
      (side === "ours" ? oursRates : peerRates).push(texts.length / seconds);
      (side === "ours" ? oursCpuRates : peerCpuRates).push(texts.length / cpuSeconds);
    }
  }
  await context.dispose();
  await model.dispose();
  await ours.close();
  return {texts: texts.length, tokens, dimension: a!.length, oursRates, peerRates, oursCpuRates, peerCpuRates, agreement: dot / Math.sqrt(na * nb), ...processFigures()};
}

const [mode, ...args] = process.argv.slice(2) as [string, ...string[]];
const optionalNumber = (value: string | undefined) => (value == null ? undefined : Number(value));
const result =
  mode === "ingest"
    ? await runIngest(args[0]!, args[1]!, args[2], optionalNumber(args[3]))
    : mode === "ours-index"
      ? await runOursIndex(args[0]!, args[1]!, optionalNumber(args[2]))
      : mode === "peer-index"
        ? await runPeerIndex(args[0]!, args[1]!, Number(args[2]), Number(args[3]))
        : mode === "query"
          ? await runQuery(args[0]!, args[1]!, Number(args[2]), args[3], optionalNumber(args[4]))
          : mode === "embed"
            ? await runEmbed(args[0]!, args[1]!, Number(args[2]), Number(args[3]))
            : undefined;
if (result == null) {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(result) + "\n");
