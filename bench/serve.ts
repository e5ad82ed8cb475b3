/**
 * bench/serve: `h2ogpt serve` under load, loopback only and bounded in time.
 *
 *   npm run bench:serve [-- --clients=32 --seconds=60 --sequences=4 --max_tokens=64 --endpoint=chat|completions]
 *
 * Writes a small random llama GGUF (cached under bench/results/), starts the built CLI (`bin/h2ogpt.cjs serve`)
 * on 127.0.0.1 with a free port, warms it up under the same load (--warmup_seconds, 10), then runs N closed-loop
 * streaming clients for the given time. The clients run in this process, on the same cores as the server.
 * Reports zero-5xx, p50/p95 time to first token, total tokens/s, and the server's RSS before and after
 * (goal: growth under 10%). The peer runs the same prompt, token budget, sequences and client count straight
 * on node-llama-cpp's LlamaCompletion in this process (no HTTP), so the ratio is the cost of serving.
 *
 *   npm run bench:serve -- --replicas=2 --db_url=postgres://... [--clients=32 --seconds=60]
 *
 * History mode (with --replicas or --db_url): the chat-history routes under load. Each client loops: create a
 * chat, add a message, answer it (4 tokens, saved as it streams), read the chat, list the chats; client i talks to
 * replica i mod N. All replicas share the --db_url database. The same run against one server on its SQLite file
 * is the peer. Reports errors (goal 0), history writes per second (create, message, answer) and p95 latency of
 * the history routes (all but the answer, which is generation), ours beside SQLite's. --from_source runs the CLI
 * from src/ through tsx instead of the build.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, mkdirSync, readFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {getLlama, LlamaCompletion, LlamaLogLevel} from "node-llama-cpp";
import {serverSentData} from "../src/engine/index.js";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key!, value ?? "true"];
  })
);
const clients = Number(args.clients ?? 32);
const seconds = Number(args.seconds ?? 60);
const peerSeconds = Number(args.peer_seconds ?? Math.min(seconds, 20));
const warmupSeconds = Number(args.warmup_seconds ?? 10);
const sequences = Number(args.sequences ?? 4);
const maxTokens = Number(args.max_tokens ?? 64);
const endpoint = args.endpoint === "completions" ? "completions" : "chat";
const question = "Explain what a tokenizer does in one paragraph.";

interface Sample {
  readonly status: number;
  readonly ttftMs?: number;
  readonly tokens: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match == null ? Number.NaN : Number(match[1]) / 1024;
}

async function benchModel(): Promise<string> {
  const dir = join(root, "bench/results");
  mkdirSync(dir, {recursive: true});
  const path = join(dir, "serve-bench-model.gguf");
  if (!existsSync(path))
    await writeRandomLlamaGguf({path, nEmbd: 256, nLayer: 4, nHead: 4, nHeadKv: 4, nFf: 768, contextLength: 2048, seed: 1, name: "serve-bench"});
  return path;
}

function cliCommand(): string[] {
  if (args.from_source === "true")
    return ["--import", "tsx", join(root, "bench/h2ogpt-from-source.ts")];
  if (!existsSync(join(root, "dist/cli/main.js"))) throw new Error("build first: npm run build");
  return [join(root, "bin/h2ogpt.cjs")];
}

async function startServer(model: string, storage = [`--history_db=${join(root, "bench/results/serve-bench-history.db")}`]): Promise<{child: ChildProcess; url: string}> {
  const child = spawn(
    process.execPath,
    [...cliCommand(), "serve", `--base_model=${model}`, "--prompt_type=plain", "--port=0", `--concurrency=${sequences}`,
      `--max_queue=${clients * 2}`, ...storage, "--max_seq_len=2048"],
    {stdio: ["ignore", "pipe", "inherit"], cwd: root}
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match != null) resolveUrl(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {child, url};
}

async function oneRequest(url: string): Promise<Sample> {
  const started = performance.now();
  const body =
    endpoint === "chat"
      ? {model: "serve-bench", messages: [{role: "user", content: question}], max_tokens: maxTokens, stream: true, stream_options: {include_usage: true}}
      : {model: "serve-bench", prompt: question, max_tokens: maxTokens, stream: true, stream_options: {include_usage: true}};
  const response = await fetch(`${url}/v1/${endpoint === "chat" ? "chat/completions" : "completions"}`, {
    method: "POST",
    headers: {"content-type": "application/json"},
    body: JSON.stringify(body)
  });
  if (!response.ok || response.body == null) {
    await response.text();
    return {status: response.status, tokens: 0};
  }
  let ttftMs: number | undefined;
  let tokens = 0;
  for await (const data of serverSentData(response.body)) {
    if (data === "[DONE]") continue;
    const event = JSON.parse(data) as {choices: {delta?: {content?: string}; text?: string}[]; usage?: {completion_tokens: number}; error?: unknown};
    if (event.error != null) return {status: 500, tokens};
    const text = event.choices[0]?.delta?.content ?? event.choices[0]?.text ?? "";
    if (text !== "" && ttftMs == null) ttftMs = performance.now() - started;
    if (event.usage != null) tokens = event.usage.completion_tokens;
  }
  return {status: response.status, ttftMs, tokens};
}

async function closedLoop(durationMs: number, request: () => Promise<Sample>): Promise<{samples: Sample[]; elapsedMs: number}> {
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({length: clients}, async () => {
      while (performance.now() < deadline) samples.push(await request());
    })
  );
  return {samples, elapsedMs: performance.now() - started};
}

function summary(name: string, result: {samples: Sample[]; elapsedMs: number}): {tokensPerSecond: number; p50: number; p95: number} {
  const ttft = result.samples.flatMap((s) => (s.ttftMs == null ? [] : [s.ttftMs]));
  const tokens = result.samples.reduce((n, s) => n + s.tokens, 0);
  const tokensPerSecond = tokens / (result.elapsedMs / 1000);
  const p50 = percentile(ttft, 50);
  const p95 = percentile(ttft, 95);
  console.log(
    `${name}: ${result.samples.length} requests, ${tokens} tokens in ${(result.elapsedMs / 1000).toFixed(1)} s = ${tokensPerSecond.toFixed(0)} tok/s; ` +
      `time to first token p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`
  );
  return {tokensPerSecond, p50, p95};
}

async function peer(modelPath: string, prompt: string): Promise<{samples: Sample[]; elapsedMs: number}> {
  const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
  const model = await llama.loadModel({modelPath});
  const context = await model.createContext({contextSize: 2048, sequences, threads: 1});
  const free = Array.from({length: sequences}, () => context.getSequence());
  const waiting: ((s: (typeof free)[number]) => void)[] = [];
  const acquire = (): Promise<(typeof free)[number]> => (free.length > 0 ? Promise.resolve(free.pop()!) : new Promise((r) => waiting.push(r)));
  const release = (s: (typeof free)[number]): void => (waiting.length > 0 ? waiting.shift()!(s) : void free.push(s));
  try {
    return await closedLoop(peerSeconds * 1000, async () => {
      // Timed from the request, like a client of the server, so waiting for a free sequence counts.
      const started = performance.now();
      const sequence = await acquire();
      let ttftMs: number | undefined;
      let tokens = 0;
      try {
        await new LlamaCompletion({contextSequence: sequence}).generateCompletion(prompt, {
          maxTokens,
          temperature: 0,
          onToken: (t) => {
            tokens += t.length;
            ttftMs ??= performance.now() - started;
          }
        });
      } finally {
        release(sequence);
      }
      return {status: 200, ttftMs, tokens};
    });
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

async function main(): Promise<void> {
  const modelPath = await benchModel();
  console.log(`bench/serve: ${clients} streaming clients for ${seconds} s, ${sequences} sequences, max_tokens ${maxTokens}, /v1/${endpoint} (loopback; timings on a shared machine are noisy)`);
  const {child, url} = await startServer(modelPath);
  let ours: {samples: Sample[]; elapsedMs: number};
  let rssBefore: number;
  let rssAfter: number;
  let promptRaw: string;
  const rssSamples: number[] = [];
  try {
    const generated = (await (
      await fetch(`${url}/api/generate`, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({instruction: question, max_new_tokens: maxTokens})})
    ).json()) as {prompt_raw: string};
    promptRaw = endpoint === "chat" ? generated.prompt_raw : question;
    // Under full load first, so the heap and llama.cpp's buffers reach their working size before measuring.
    await closedLoop(warmupSeconds * 1000, () => oneRequest(url));
    rssBefore = rssMiB(child.pid!);
    const sampler = setInterval(() => rssSamples.push(rssMiB(child.pid!)), 1000);
    ours = await closedLoop(seconds * 1000, () => oneRequest(url));
    clearInterval(sampler);
    rssAfter = rssMiB(child.pid!);
  } finally {
    child.kill("SIGTERM");
  }
  const statuses = new Map<number, number>();
  for (const s of ours.samples) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
  const errors5xx = ours.samples.filter((s) => s.status >= 500).length;
  const o = summary("h2ogpt serve", ours);
  console.log(`statuses: ${[...statuses].map(([k, v]) => `${k}x${v}`).join(", ")}; 5xx: ${errors5xx} ${errors5xx === 0 ? "(ok)" : "(FAIL)"}`);
  const growth = (rssAfter - rssBefore) / rssBefore;
  console.log(`server RSS: ${rssBefore.toFixed(0)} MiB before, ${rssAfter.toFixed(0)} MiB after (${(growth * 100).toFixed(1)}% growth, goal < 10%: ${growth < 0.1 ? "ok" : "FAIL"})`);
  const tenth = Math.max(1, Math.floor(rssSamples.length / 6));
  console.log(
    `server RSS during the run: min ${Math.min(...rssSamples).toFixed(0)}, max ${Math.max(...rssSamples).toFixed(0)} MiB; ` +
      `median of the first ${tenth} s ${percentile(rssSamples.slice(0, tenth), 50).toFixed(0)}, of the last ${tenth} s ${percentile(rssSamples.slice(-tenth), 50).toFixed(0)} MiB`
  );
  const p = summary("peer: node-llama-cpp LlamaCompletion in process", await peer(modelPath, promptRaw));
  console.log(`ratio ours/peer: tokens/s ${(o.tokensPerSecond / p.tokensPerSecond).toFixed(2)}x, p50 TTFT ${(o.p50 / p.p50).toFixed(2)}x`);
  if (errors5xx > 0 || growth >= 0.1) process.exitCode = 1;
}

interface HistoryRun {
  readonly loops: number;
  readonly errors: number;
  readonly writes: number;
  readonly elapsedMs: number;
  /** Latency of the history routes (create, message, read, list), not of the answers. */
  readonly latencies: number[];
}

/** One client's loop over the history routes of `url` until the deadline. */
async function historyClient(url: string, deadline: number, run: {loops: number; errors: number; writes: number; latencies: number[]}): Promise<void> {
  const json = {"content-type": "application/json"};
  const timed = async (path: string, init?: RequestInit): Promise<Response> => {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, init);
    run.latencies.push(performance.now() - started);
    return response;
  };
  while (performance.now() < deadline) {
    try {
      const created = await timed("/api/chats", {method: "POST", headers: json, body: "{}"});
      const chat = (await created.json()) as {id: string; models: string[]};
      const message = await timed(`/api/chats/${chat.id}/messages`, {method: "POST", headers: json, body: JSON.stringify({content: question})});
      await message.text();
      const answer = await fetch(`${url}/api/chats/${chat.id}/answer`, {method: "POST", headers: json, body: JSON.stringify({model: chat.models[0], max_new_tokens: 4})});
      const answered = (await answer.text()).includes("event: done");
      const read = await timed(`/api/chats/${chat.id}`);
      const stored = (await read.json()) as {messages: {status: string}[]};
      const listed = await timed("/api/chats");
      await listed.text();
      const ok = created.status === 201 && message.status === 201 && answer.status === 200 && answered && read.status === 200 && listed.status === 200;
      if (!ok || stored.messages[1]?.status !== "complete") run.errors++;
      run.writes += 3;
      run.loops++;
    } catch {
      run.errors++;
    }
  }
}

async function historyLoad(urls: readonly string[]): Promise<HistoryRun> {
  const run = {loops: 0, errors: 0, writes: 0, latencies: [] as number[]};
  await Promise.all(Array.from({length: clients}, (_, i) => historyClient(urls[i % urls.length]!, performance.now() + warmupSeconds * 1000, {loops: 0, errors: 0, writes: 0, latencies: []})));
  const started = performance.now();
  await Promise.all(Array.from({length: clients}, (_, i) => historyClient(urls[i % urls.length]!, started + seconds * 1000, run)));
  return {...run, elapsedMs: performance.now() - started};
}

function historySummary(name: string, run: HistoryRun): {writesPerSecond: number; p95: number} {
  if (run.errors > 0) process.exitCode = 1;
  const writesPerSecond = run.writes / (run.elapsedMs / 1000);
  const p95 = percentile(run.latencies, 95);
  console.log(
    `${name}: ${run.loops} loops in ${(run.elapsedMs / 1000).toFixed(1)} s, errors ${run.errors} ${run.errors === 0 ? "(ok)" : "(FAIL)"}; ` +
      `history writes ${writesPerSecond.toFixed(1)}/s; history routes p50 ${percentile(run.latencies, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`
  );
  return {writesPerSecond, p95};
}

async function historyMain(): Promise<void> {
  const replicas = Number(args.replicas ?? 1);
  const dbUrl = args.db_url;
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`--replicas: expected a positive integer, got ${args.replicas}`);
  if (replicas > 1 && dbUrl == null) throw new Error("--replicas above 1 needs --db_url (replicas share one PostgreSQL database)");
  const modelPath = await benchModel();
  console.log(`bench/serve history: ${clients} clients for ${seconds} s over ${replicas} replica(s) ${dbUrl == null ? "on SQLite" : "on PostgreSQL"}, then one server on SQLite (loopback; noisy on a shared machine)`);
  const runOn = async (storages: string[][]): Promise<HistoryRun> => {
    const servers = await Promise.all(storages.map((storage) => startServer(modelPath, storage)));
    try {
      return await historyLoad(servers.map((server) => server.url));
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
    }
  };
  const sqliteDb = (name: string): string[] => [`--history_db=${join(root, `bench/results/serve-bench-${name}-${Date.now()}.db`)}`];
  const ours = historySummary(
    dbUrl == null ? "h2ogpt serve (SQLite)" : `h2ogpt serve x${replicas} (PostgreSQL)`,
    await runOn(Array.from({length: replicas}, () => (dbUrl == null ? sqliteDb("history") : [`--db_url=${dbUrl}`])))
  );
  const peerRun = await runOn([sqliteDb("history-peer")]);
  const peerFigures = historySummary("peer: one h2ogpt serve on SQLite", peerRun);
  console.log(`ratio ours/SQLite: writes/s ${(ours.writesPerSecond / peerFigures.writesPerSecond).toFixed(2)}x, p95 ${(ours.p95 / peerFigures.p95).toFixed(2)}x`);
}

if (args.replicas != null || args.db_url != null) await historyMain();
else await main();
