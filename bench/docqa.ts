/**
 * bench/docqa: time to first token of a document question (retrieval + h2oGPT's document prompt + fitting it to
 * the context + the model's first token) at 10,000 and 100,000 chunks, beside the same question without
 * documents, on a random GGUF (written by our writer with the GPT-NeoX vocabulary), greedy, in the same run:
 *
 *   npm run bench:docqa [-- --dir=PATH --questions=30 --skip_100k --threads=1 --embd=256 --layers=4
 *                          --max_new_tokens=1 --top_k=10 --prompt_type=human_bot]
 *
 * The collections are BM25-only (no embedding model), built with ingest() from a synthetic corpus of reports
 * (bench/docqa-corpus.ts: 100 paragraphs per file, one chunk per paragraph, Zipf-distributed words, one distinct
 * fact per paragraph) and kept in --dir (default: a fixed folder under the OS temp dir) between runs, with the
 * model. Questions: half natural questions about facts of the first 100 files (in both collections), half
 * phrases lifted from chunks; the same questions at both sizes.
 *
 * For each question, in ABBA order:
 *   with documents     generateWithDocuments() with CollectionManager.retriever() (as the server does), Query,
 *                      top_k_docs 10;
 *   without documents  generateStream() with the same question, prompt type and sampling.
 * Each run is cut in three by an engine wrapper and a retriever wrapper: retrieval (the retriever's search),
 * prompt build (everything else before the engine's generate() is called: document prompt, token counting,
 * fitting, prompt type), and the model (generate() called -> first streamed delta: prefill + one token).
 * The document part is retrieval + prompt build; the longer prompt's prefill is a separate, reported cost.
 * retrieve() alone is timed too. Each is wall time, and the document part also in process CPU time (steadier on a
 * shared machine). Goal (issue 11): the document part adds under 100 ms at 100,000 chunks (p95, wall time).
 */
import {existsSync} from "node:fs";
import {mkdir, readFile, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {CollectionManager, collectionPath, createTesseractOcr, retrieve} from "../src/docs/index.js";
import {createEngine, type Engine} from "../src/engine/index.js";
import {generateStream, generateWithDocuments, type DocumentRetriever} from "../src/generate/index.js";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";
import {mulberry32} from "../src/util/index.js";
import {CorpusGenerator, phraseFrom, questionAbout, type Fact} from "./docqa-corpus.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key!, value.length > 0 ? value.join("=") : "true"];
  })
);
const questionCount = Number(args.questions ?? 30);
const skip100k = args.skip_100k === "true";
const threads = Number(args.threads ?? 1);
const nEmbd = Number(args.embd ?? 256);
const nLayer = Number(args.layers ?? 4);
const maxNewTokens = Number(args.max_new_tokens ?? 1);
const topK = Number(args.top_k ?? 10);
const promptType = args.prompt_type ?? "human_bot";
const dir = resolve(args.dir ?? join(tmpdir(), "h2ogpt-bench-docqa"));
const vocabPath = resolve(root, "..", "shared/fixtures/vocab/ggml-vocab-gpt-neox.gguf");
const SEED = 11;
const PARAGRAPHS = 100;
const CORPUS_VERSION = 2;
const USER = "bench";
const GOAL_MS = 100;

const fmt = (value: number, digits = 1): string => value.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
const int = (value: number): string => Math.round(value).toLocaleString("en-US");
const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};
const p50 = (values: readonly number[]): number => percentile(values, 50);
const p95 = (values: readonly number[]): number => percentile(values, 95);
const ms = (value: number): string => `${fmt(value)} ms`;

interface Size {
  readonly name: string;
  readonly label: string;
  readonly files: number;
}
const SIZES: Size[] = [
  {name: "docqa-10k", label: "10k", files: 100},
  ...(skip100k ? [] : [{name: "docqa-100k", label: "100k", files: 1000}])
];

// The corpus: generated the same way every run (a few seconds); only what the largest size needs.
const started = performance.now();
const generator = new CorpusGenerator(SEED);
const corpus = Array.from({length: Math.max(...SIZES.map((size) => size.files))}, (_, index) => generator.document(index, PARAGRAPHS));
const corpusMb = corpus.reduce((sum, doc) => sum + Buffer.byteLength(doc.document.text), 0) / 1e6;
console.log(`corpus: ${corpus.length} files, ${fmt(corpusMb)} MB, ${corpus.length * PARAGRAPHS} paragraphs, generated in ${fmt((performance.now() - started) / 1000)} s`);

// Questions about the first 100 files, so that both collections hold their answers.
const questionRandom = mulberry32(SEED * 7919);
interface Question {
  readonly text: string;
  readonly fact?: Fact;
}
const questions: Question[] = Array.from({length: questionCount}, (_, index) => {
  const doc = corpus[Math.floor(questionRandom() * SIZES[0]!.files)]!;
  const paragraph = Math.floor(questionRandom() * PARAGRAPHS);
  if (index % 2 === 0) {
    const fact = doc.facts[paragraph]!;
    return {text: questionAbout(fact, index / 2), fact};
  }
  return {text: phraseFrom(doc.chunks[paragraph]!, questionRandom)};
});

await mkdir(dir, {recursive: true});
const manager = new CollectionManager({persistDirectory: join(dir, "db"), ocr: createTesseractOcr()});
const manifestPath = join(dir, "docqa-manifest.json");
const manifest = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, "utf8")) as Record<string, {version: number; chunks: number}>) : {};
const ingestSeconds: Record<string, number> = {};
for (const size of SIZES) {
  const expected = size.files * PARAGRAPHS;
  const cached = manifest[size.name];
  if (existsSync(collectionPath(manager.scope(USER), size.name))) {
    const chunks = (await (await manager.collection(USER, size.name)).stats()).chunks;
    if (cached?.version === CORPUS_VERSION && cached.chunks === expected && chunks === expected) {
      console.log(`collection ${size.name}: ${int(chunks)} chunks (cached in ${dir})`);
      continue;
    }
    manager.purge(USER, size.name);
  }
  const inputs = corpus.slice(0, size.files).map((doc) => ({name: doc.document.name, bytes: Buffer.from(doc.document.text)}));
  const summary = await manager.ingest({user: USER, name: size.name, inputs});
  if (summary.chunks !== expected || summary.failureCount > 0)
    throw new Error(`${size.name}: ingest gave ${summary.chunks} chunks (expected ${expected}), ${summary.failureCount} failures`);
  ingestSeconds[size.name] = summary.seconds;
  console.log(`collection ${size.name}: ${int(summary.chunks)} chunks ingested in ${fmt(summary.seconds)} s (BM25 only)`);
  manifest[size.name] = {version: CORPUS_VERSION, chunks: expected};
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
}

const modelPath = join(dir, `random-llama-${nEmbd}x${nLayer}.gguf`);
if (!existsSync(modelPath))
  await writeRandomLlamaGguf({path: modelPath, vocabulary: {gguf: vocabPath}, nEmbd, nLayer, nHead: 8, nFf: nEmbd * 4, contextLength: 2048, seed: 1});
const engine = await createEngine({baseModel: modelPath, contextLength: 2048, threads, sequences: 1});

/** When the last run called the engine's generate(), and its token counting (part of the prompt build). */
const marks = {generateAt: NaN, generateCpu: {user: 0, system: 0} as NodeJS.CpuUsage, countCalls: 0, countMs: 0};
const cpuMs = (since: NodeJS.CpuUsage, until: NodeJS.CpuUsage): number => (until.user - since.user + until.system - since.system) / 1000;
const recording: Engine = {
  info: engine.info,
  generate: (options) => {
    marks.generateAt = performance.now();
    marks.generateCpu = process.cpuUsage();
    return engine.generate(options);
  },
  generateChat: (options) => engine.generateChat(options),
  tokenize: (text) => engine.tokenize(text),
  countTokens: async (text) => {
    const start = performance.now();
    try {
      return await engine.countTokens(text);
    } finally {
      marks.countCalls++;
      marks.countMs += performance.now() - start;
    }
  },
  // The engine is closed by the bench, not through the wrapper.
  close: async () => {}
};

interface Run {
  /** Call -> first streamed delta (or the end, if the one token gave no text). */
  readonly ttft: number;
  readonly retrieval: number;
  /** Call -> engine.generate(), less retrieval. */
  readonly build: number;
  /** engine.generate() -> first delta: prefill and one token. */
  readonly model: number;
  /** CPU time of the process from the call to engine.generate() (retrieval + prompt build): less disturbed by other load. */
  readonly cpu: number;
  readonly promptTokens: number;
  readonly countCalls: number;
  readonly countMs: number;
  readonly chunksUsed: number;
  readonly hit?: boolean;
}

async function timedStream(stream: AsyncIterable<string>): Promise<number> {
  let first = NaN;
  for await (const delta of stream) if (Number.isNaN(first) && delta !== "") first = performance.now();
  return Number.isNaN(first) ? performance.now() : first;
}

async function withDocuments(question: Question, name: string): Promise<Run> {
  const base = await manager.retriever(USER, name);
  let retrieval = 0;
  const retriever: DocumentRetriever = {
    search: async (query, k, sources) => {
      const start = performance.now();
      try {
        return await base.search(query, k, sources);
      } finally {
        retrieval += performance.now() - start;
      }
    },
    inOrder: (limit, sources) => base.inOrder(limit, sources)
  };
  Object.assign(marks, {generateAt: NaN, countCalls: 0, countMs: 0});
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const {stream, result} = generateWithDocuments({
    engine: recording,
    instruction: question.text,
    promptType,
    langchainMode: name,
    retriever,
    topKDocs: topK,
    maxNewTokens,
    temperature: 0
  });
  const first = await timedStream(stream);
  const done = await result;
  const hit = question.fact == null ? undefined : done.sources.some((source) => source.content.includes(`of ${question.fact!.place} `));
  return {
    ttft: first - t0,
    retrieval,
    build: marks.generateAt - t0 - retrieval,
    model: first - marks.generateAt,
    cpu: cpuMs(cpu0, marks.generateCpu),
    promptTokens: done.promptTokens,
    countCalls: marks.countCalls,
    countMs: marks.countMs,
    chunksUsed: done.chunksUsed,
    hit
  };
}

async function withoutDocuments(question: Question): Promise<Run> {
  Object.assign(marks, {generateAt: NaN, countCalls: 0, countMs: 0});
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const {stream, result} = generateStream({engine: recording, instruction: question.text, promptType, maxNewTokens, temperature: 0});
  const first = await timedStream(stream);
  const done = await result;
  return {
    ttft: first - t0,
    retrieval: 0,
    build: marks.generateAt - t0,
    model: first - marks.generateAt,
    cpu: cpuMs(cpu0, marks.generateCpu),
    promptTokens: done.promptTokens,
    countCalls: marks.countCalls,
    countMs: marks.countMs,
    chunksUsed: 0
  };
}

console.log(
  `model: random llama ${nEmbd}x${nLayer} (GPT-NeoX vocabulary), context 2048, ${threads} thread(s); prompt type ${promptType}, greedy, ` +
    `max_new_tokens ${maxNewTokens}, top_k_docs ${topK}; ${questions.length} questions (${Math.ceil(questions.length / 2)} natural, ${Math.floor(questions.length / 2)} phrases)`
);
console.log("");

const report: Record<string, unknown>[] = [];
let goalMet = true;
for (const size of SIZES) {
  const collection = await manager.collection(USER, size.name);
  const chunks = (await collection.stats()).chunks;
  // Warm-up: SQLite's page cache, the engine, the code paths (not measured).
  for (const question of questions.slice(0, 3)) {
    await withDocuments(question, size.name);
    await withoutDocuments(question);
  }
  const docs: Run[] = [];
  const plain: Run[] = [];
  for (const [index, question] of questions.entries()) {
    if (index % 2 === 0) {
      docs.push(await withDocuments(question, size.name));
      plain.push(await withoutDocuments(question));
    } else {
      plain.push(await withoutDocuments(question));
      docs.push(await withDocuments(question, size.name));
    }
  }
  // retrieve() alone, as the server's retriever calls it (BM25, top_k_docs).
  const retrieveOnly: number[] = [];
  const retrieveCpu: number[] = [];
  for (const question of questions) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await retrieve({collection, query: question.text, topK});
    retrieveOnly.push(performance.now() - start);
    retrieveCpu.push(cpuMs(cpu, process.cpuUsage()));
  }

  const pick = (runs: Run[], key: keyof Run): number[] => runs.map((run) => Number(run[key]));
  const docPart = docs.map((run) => run.retrieval + run.build);
  const plainPart = pick(plain, "build");
  const docPartCpu = pick(docs, "cpu");
  const addedCpu = docs.map((run, i) => run.cpu - plain[i]!.cpu);
  const added = docs.map((run, i) => run.retrieval + run.build - plain[i]!.build);
  const extraTokens = docs.map((run, i) => run.promptTokens - plain[i]!.promptTokens);
  const extraPrefill = docs.map((run, i) => run.model - plain[i]!.model);
  const hits = docs.filter((run) => run.hit != null);
  const natural = questions.map((question, i) => (question.fact != null ? i : -1)).filter((i) => i >= 0);
  const phrases = questions.map((question, i) => (question.fact == null ? i : -1)).filter((i) => i >= 0);
  const ok = p95(added) < GOAL_MS;
  if (size.label === "100k") goalMet &&= ok;

  console.log(`${size.label} chunks (${int(chunks)} in ${size.name})`);
  console.log(
    `  TTFT              with documents p50 ${ms(p50(pick(docs, "ttft")))} p95 ${ms(p95(pick(docs, "ttft")))} | without documents p50 ${ms(p50(pick(plain, "ttft")))} p95 ${ms(p95(pick(plain, "ttft")))} | ratio p50 ${fmt(p50(pick(docs, "ttft")) / p50(pick(plain, "ttft")), 2)}x`
  );
  console.log(
    `  document part     retrieval + prompt build p50 ${ms(p50(docPart))} p95 ${ms(p95(docPart))} (without documents the prompt build is p50 ${ms(p50(plainPart))}); added p50 ${ms(p50(added))} p95 ${ms(p95(added))} (goal < ${GOAL_MS} ms: ${ok ? "met" : "NOT met"})`
  );
  console.log(
    `                    in CPU time: document part p50 ${ms(p50(docPartCpu))} p95 ${ms(p95(docPartCpu))}; added p50 ${ms(p50(addedCpu))} p95 ${ms(p95(addedCpu))}; retrieve() alone p50 ${ms(p50(retrieveCpu))} p95 ${ms(p95(retrieveCpu))}`
  );
  console.log(
    `    retrieval       in generateWithDocuments p50 ${ms(p50(pick(docs, "retrieval")))} p95 ${ms(p95(pick(docs, "retrieval")))} max ${ms(Math.max(...pick(docs, "retrieval")))}; retrieve() alone p50 ${ms(p50(retrieveOnly))} p95 ${ms(p95(retrieveOnly))} max ${ms(Math.max(...retrieveOnly))}`
  );
  console.log(
    `      by question   natural p50 ${ms(p50(natural.map((i) => retrieveOnly[i]!)))} p95 ${ms(p95(natural.map((i) => retrieveOnly[i]!)))} | phrases p50 ${ms(p50(phrases.map((i) => retrieveOnly[i]!)))} p95 ${ms(p95(phrases.map((i) => retrieveOnly[i]!)))}`
  );
  console.log(
    `    prompt build    p50 ${ms(p50(pick(docs, "build")))} p95 ${ms(p95(pick(docs, "build")))}; of which countTokens p50 ${ms(p50(pick(docs, "countMs")))} over p50 ${int(p50(pick(docs, "countCalls")))} calls (without documents: ${int(p50(pick(plain, "countCalls")))} calls); chunks in the prompt p50 ${int(p50(pick(docs, "chunksUsed")))}`
  );
  console.log(
    `  model (prefill)   generate() -> first token with documents p50 ${ms(p50(pick(docs, "model")))} (${int(p50(pick(docs, "promptTokens")))} prompt tokens) | without p50 ${ms(p50(pick(plain, "model")))} (${int(p50(pick(plain, "promptTokens")))} tokens)`
  );
  console.log(
    `                    prefill of p50 ${int(p50(extraTokens))} extra tokens: p50 ${ms(p50(extraPrefill))} (${int(p50(extraTokens) / (p50(extraPrefill) / 1000))} tok/s) -- the model's cost of the longer prompt, not the document part`
  );
  if (hits.length > 0) console.log(`  retrieval check   natural questions whose fact's chunk is among the sources: ${hits.filter((run) => run.hit).length}/${hits.length}`);
  console.log("");
  report.push({
    collection: size.name,
    chunks,
    ingestSeconds: ingestSeconds[size.name],
    ttftWithDocumentsMs: {p50: p50(pick(docs, "ttft")), p95: p95(pick(docs, "ttft"))},
    ttftWithoutDocumentsMs: {p50: p50(pick(plain, "ttft")), p95: p95(pick(plain, "ttft"))},
    documentPartMs: {p50: p50(docPart), p95: p95(docPart)},
    addedMs: {p50: p50(added), p95: p95(added)},
    documentPartCpuMs: {p50: p50(docPartCpu), p95: p95(docPartCpu)},
    addedCpuMs: {p50: p50(addedCpu), p95: p95(addedCpu)},
    retrieveAloneCpuMs: {p50: p50(retrieveCpu), p95: p95(retrieveCpu)},
    retrievalMs: {p50: p50(pick(docs, "retrieval")), p95: p95(pick(docs, "retrieval"))},
    retrieveAloneMs: {p50: p50(retrieveOnly), p95: p95(retrieveOnly), max: Math.max(...retrieveOnly)},
    promptBuildMs: {p50: p50(pick(docs, "build")), p95: p95(pick(docs, "build"))},
    countTokensMs: {p50: p50(pick(docs, "countMs")), calls: p50(pick(docs, "countCalls"))},
    prefill: {extraTokens: p50(extraTokens), extraMs: p50(extraPrefill), withDocumentsTokens: p50(pick(docs, "promptTokens")), withoutDocumentsTokens: p50(pick(plain, "promptTokens"))},
    hits: hits.filter((run) => run.hit).length,
    naturalQuestions: hits.length
  });
}
await engine.close();
await manager.close();

if (!skip100k) console.log(`goal: the document part adds < ${GOAL_MS} ms (p95) at 100,000 chunks: ${goalMet ? "met" : "NOT met"}`);
console.log("figures are from a shared 2-core machine: indicative; TTFT includes the random model's prefill, which a real model makes larger");
const resultsDir = join(root, "bench", "results");
await mkdir(resultsDir, {recursive: true});
await writeFile(
  join(resultsDir, "docqa.json"),
  JSON.stringify({date: new Date().toISOString(), model: {nEmbd, nLayer, threads, contextLength: 2048}, promptType, maxNewTokens, topK, questions: questions.length, sizes: report}, null, 2) + "\n"
);
