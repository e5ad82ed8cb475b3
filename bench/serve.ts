/**
 * bench/serve: `h2ogpt serve` under load, loopback only and bounded in time.
 *
 *   npm run bench:serve [-- --clients=32 --seconds=60 --sequences=4 --max_tokens=64 --endpoint=chat|completions]
 *
 * Writes a small random llama GGUF (cached under bench/results/), starts the built CLI (`bin/h2ogpt.js serve`)
 * on 127.0.0.1 with a free port, warms it up under the same load (--warmup_seconds, 10), then runs N closed-loop
 * streaming clients for the given time. The clients run in this process, on the same cores as the server.
 * Reports zero-5xx, p50/p95 time to first token, total tokens/s, and the server's RSS before and after
 * (goal: growth under 10%). The peer runs the same prompt, token budget, sequences and client count straight
 * on node-llama-cpp's LlamaCompletion in this process (no HTTP), so the ratio is the cost of serving.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, mkdirSync, readFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {getLlama, LlamaCompletion, LlamaLogLevel} from "node-llama-cpp";
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

async function startServer(model: string): Promise<{child: ChildProcess; url: string}> {
  if (!existsSync(join(root, "dist/cli/main.js"))) throw new Error("build first: npm run build");
  const child = spawn(
    process.execPath,
    [join(root, "bin/h2ogpt.js"), "serve", `--base_model=${model}`, "--prompt_type=plain", "--port=0", `--concurrency=${sequences}`,
      `--max_queue=${clients * 2}`, `--history_db=${join(root, "bench/results/serve-bench-history.db")}`, "--max_seq_len=2048"],
    {stdio: ["ignore", "pipe", "inherit"]}
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
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const data = buffer.slice(0, end).replace(/^data: /, "");
      buffer = buffer.slice(end + 2);
      if (data === "[DONE]") continue;
      const event = JSON.parse(data) as {choices: {delta?: {content?: string}; text?: string}[]; usage?: {completion_tokens: number}; error?: unknown};
      if (event.error != null) return {status: 500, tokens};
      const text = event.choices[0]?.delta?.content ?? event.choices[0]?.text ?? "";
      if (text !== "" && ttftMs == null) ttftMs = performance.now() - started;
      if (event.usage != null) tokens = event.usage.completion_tokens;
    }
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

await main();
