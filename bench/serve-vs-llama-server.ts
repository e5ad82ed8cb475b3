/**
 * bench/serve-vs-llama-server: `h2ogpt serve` against llama.cpp's own llama-server on the same GGUF, same
 * sampling, same threads and the same context per slot, in one run.
 *
 *   npm run bench:serve-vs-llama-server [-- --models=bench,demo --seconds=60 --streams_seconds=20 --threads=1
 *       --slots=8 --clients=32 --max_tokens=64 --rounds=9 --servers=ours,peer --flash_attention=on|off --uv_threadpool_size=1
 *       --text_tokens_only=false]
 *
 * Needs llama-server and llama-batched-bench (scripts/build-llama-server.sh; H2OGPT_LLAMA_SERVER and
 * H2OGPT_LLAMA_BATCHED_BENCH override the paths). Models: `bench` is the 30M-parameter random llama GGUF
 * (scripts/write-random-model.ts --embd=256 --layers=4 --heads=8 --ff=1024 --ctx=2048, written once under
 * bench/results/), `large` a 309M-parameter one (1,024 wide, 16 layers, 16 heads, feed-forward 2,816: where batching
 * decides the throughput; not in the default list, a run takes about 10 minutes), `demo` the built-in
 * models/h2ogpt-ts-demo.gguf; a path works too. Slots hold 2,048 tokens, or
 * the model's trained context when smaller. Both servers stay up and each phase runs on one, then the other, so
 * load from elsewhere on a shared machine hits both sides of a ratio alike (`--servers=ours` runs one side):
 * - follow-up turn: time to first token of a chat's second turn with ~100 and ~1,500 tokens of history (less when
 *   the slot is smaller; the first turn is sent before, so a prompt cache can hold it; median over --rounds
 *   fresh conversations); of the first turn at ~1,500 tokens, also the time to first token and the time a token
 *   after it (16 tokens, one stream: where flash attention's cost over a long context shows);
 * - 8 concurrent streams (closed loop, --streams_seconds): total completion tokens/s from `usage`, answers and
 *   their mean length, time to first token (p50);
 * - --clients closed-loop clients for --seconds: errors, p50/p95 time to first token;
 * then llama-batched-bench's generation ceiling for 1/4/8 sequences. Both servers get /v1/completions with the
 * same raw prompt (ours with --prompt_type=plain), temperature 0.7 and no top_k (each server's defaults),
 * except the follow-up turns (temperature 0), and the same logit_bias banning tokens that are not text (see
 * nonTextBias; --text_tokens_only=false drops it). The clients run in this process on the same cores.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {serverSentData} from "../src/engine/index.js";
import {ggufMetadataValue, readGguf} from "../src/gguf/index.js";
import {loadTokenizer, type Tokenizer} from "../src/tokenizer/index.js";
import {findLlamaTool, startLlamaServer} from "../test/support/llama-server.js";
import {serveBenchModel} from "./serve-bench-model.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key!, value.length === 0 ? "true" : value.join("=")];
  })
);
const models = (args.models ?? "bench,demo").split(",");
const seconds = Number(args.seconds ?? 60);
const streamsSeconds = Number(args.streams_seconds ?? 20);
const threads = Number(args.threads ?? 1);
const slots = Number(args.slots ?? 8);
/**
 * --flash_attention=on|off gives both servers the same setting; without it each runs its default (ours on up to 512
 * tokens a slot, so for the built-in model, and off above; llama-server's auto = on).
 */
const flashAttention = args.flash_attention;
if (flashAttention != null && flashAttention !== "on" && flashAttention !== "off") throw new Error("--flash_attention: on or off");
/**
 * Ours runs from the sources (not through bin/h2ogpt.cjs), so it gets the pool size that file sets unless
 * --uv_threadpool_size=N or UV_THREADPOOL_SIZE says otherwise.
 */
const uvThreadpoolSize = args.uv_threadpool_size ?? process.env.UV_THREADPOOL_SIZE ?? "2";
const clients = Number(args.clients ?? 32);
const maxTokens = Number(args.max_tokens ?? 64);
const rounds = Number(args.rounds ?? 9);
const servers = (args.servers ?? "ours,peer").split(",");
/** --text_tokens_only=false lets both servers sample every token (see nonTextBias). */
const textTokensOnly = args.text_tokens_only !== "false";
/** The logit_bias every request carries for the model being measured. */
let logitBias: Record<string, number> | undefined;
/** Tokens per slot: 2,048, or the model's trained context when smaller (llama-server caps a slot at it). */
let slotContext = 2048;
/** The long history: ~1,500 tokens, less when the slot cannot hold that plus an answer. */
let longHistory = 1500;

interface Sample {
  readonly ok: boolean;
  readonly ttftMs?: number;
  /** From the first text to the last. */
  readonly streamMs?: number;
  readonly tokens: number;
  readonly promptTokens: number;
  readonly text: string;
  readonly error?: string;
}

interface Server {
  readonly name: string;
  readonly url: string;
  stop(): Promise<void>;
}

const modelIds = new Map<string, string>();

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startOurs(model: string, dir: string): Promise<Server> {
  // From the sources through tsx, as the server tests start it (no build step).
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "test/server/run-cli.ts", "serve", `--base_model=${model}`, "--prompt_type=plain", "--port=0",
      `--concurrency=${slots}`, `--max_queue=${clients * 2}`, `--n_threads=${threads}`, `--max_seq_len=${slotContext}`,
      `--history_db=${join(dir, "history.db")}`, `--persist_directory=${join(dir, "db")}`,
      ...(flashAttention == null ? [] : [`--flash_attention=${flashAttention === "on"}`])],
    {cwd: root, stdio: ["ignore", "pipe", "inherit"], env: {...process.env, UV_THREADPOOL_SIZE: uvThreadpoolSize}}
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match != null) resolveUrl(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`h2ogpt serve exited with ${code}: ${out}`)));
  });
  return {
    name: "h2ogpt serve",
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  };
}

async function startPeer(model: string): Promise<Server> {
  const server = await startLlamaServer({model, parallel: slots, contextSize: slotContext * slots, threads, args: flashAttention == null ? [] : ["-fa", flashAttention]});
  return {name: "llama-server", url: server.url, stop: () => server.kill()};
}

/** Requests sent again because the server closed a kept-alive connection as the request went out, per server URL. */
const resent = new Map<string, number>();

/**
 * llama-server's HTTP library closes a kept-alive connection after a few requests, and fetch can send the next
 * request down it just as it closes ("other side closed", before any response). That is the client's connection
 * pool racing the server, not a failed generation: the request is sent again on a new connection (counted, and
 * its time to first token still runs from the first attempt).
 */
async function post(url: string, body: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(`${url}/v1/completions`, {method: "POST", headers: {"content-type": "application/json"}, body});
    } catch (error) {
      const cause = (error as {cause?: {code?: string; message?: string}}).cause;
      const closed = cause?.code === "UND_ERR_SOCKET" || cause?.code === "ECONNRESET";
      if (!closed || attempt === 2) throw error;
      resent.set(url, (resent.get(url) ?? 0) + 1);
    }
  }
}

async function complete(url: string, body: Record<string, unknown>): Promise<Sample> {
  const started = performance.now();
  let ttftMs: number | undefined;
  let lastMs: number | undefined;
  let tokens = 0;
  let promptTokens = 0;
  let text = "";
  try {
    const response = await post(url, JSON.stringify({model: modelIds.get(url), max_tokens: maxTokens, stream: true, stream_options: {include_usage: true}, logit_bias: logitBias, ...body}));
    if (!response.ok || response.body == null) return {ok: false, tokens: 0, promptTokens: 0, text, error: `${response.status} ${await response.text()}`};
    for await (const data of serverSentData(response.body)) {
      if (data === "[DONE]" || data.trim() === "") continue;
      const event = JSON.parse(data) as {choices?: {text?: string}[]; usage?: {completion_tokens: number; prompt_tokens: number}; error?: unknown};
      if (event.error != null) return {ok: false, ttftMs, tokens, promptTokens, text, error: JSON.stringify(event.error)};
      const delta = event.choices?.[0]?.text ?? "";
      if (delta !== "") {
        lastMs = performance.now() - started;
        ttftMs ??= lastMs;
      }
      text += delta;
      if (event.usage != null) {
        tokens = event.usage.completion_tokens;
        promptTokens = event.usage.prompt_tokens;
      }
    }
    return {ok: true, ttftMs, streamMs: ttftMs == null ? undefined : lastMs! - ttftMs, tokens, promptTokens, text};
  } catch (error) {
    const cause = (error as {cause?: unknown}).cause;
    return {ok: false, ttftMs, tokens, promptTokens, text, error: cause == null ? String(error) : `${String(error)} (${String(cause)})`};
  }
}

const WORDS = "the model reads every token of the history again unless the server keeps what it evaluated for the next turn".split(" ");

/** Conversation text of about `tokens` tokens, starting with a tag so no two conversations share a prefix. */
function history(tag: string, tokens: number, count: (text: string) => number): string {
  let text = `<human>: conversation ${tag}.`;
  for (let turn = 0; count(text) < tokens; turn++) {
    const words = Array.from({length: 12}, (_, i) => WORDS[(turn * 7 + i) % WORDS.length]).join(" ");
    text += turn % 2 === 0 ? `\n<bot>: ${words}.` : `\n<human>: ${words}?`;
  }
  return text;
}

async function followUp(server: Server, historyTokens: number, count: (text: string) => number): Promise<{ttft: number; cold: number; msPerToken: number; promptTokens: number}> {
  const follow: number[] = [];
  const cold: number[] = [];
  const perToken: number[] = [];
  let promptTokens = 0;
  for (let round = 0; round < rounds; round++) {
    const first = `${history(`${server.name} ${historyTokens} ${round} ${Math.random()}`, historyTokens, count)}\n<human>: What next?\n<bot>:`;
    const sampling = {temperature: 0, max_tokens: 16};
    const answer = await complete(server.url, {prompt: first, ...sampling});
    const second = await complete(server.url, {prompt: `${first}${answer.text}\n<human>: And then?\n<bot>:`, ...sampling});
    if (!answer.ok || !second.ok) throw new Error(`${server.name}: a follow-up request failed: ${answer.error ?? second.error}`);
    cold.push(answer.ttftMs ?? Number.NaN);
    if (answer.streamMs != null && answer.tokens > 1) perToken.push(answer.streamMs / (answer.tokens - 1));
    follow.push(second.ttftMs ?? Number.NaN);
    promptTokens = second.promptTokens;
  }
  return {ttft: percentile(follow, 50), cold: percentile(cold, 50), msPerToken: percentile(perToken, 50), promptTokens};
}

async function closedLoop(server: Server, nClients: number, durationMs: number): Promise<{samples: Sample[]; elapsedMs: number}> {
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({length: nClients}, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++)
        samples.push(await complete(server.url, {prompt: `<human>: Story ${client}-${i}: explain what a tokenizer does.\n<bot>:`, temperature: 0.7, seed: client * 1000 + i}));
    })
  );
  return {samples, elapsedMs: performance.now() - started};
}

interface Figures {
  readonly follow100: number;
  readonly follow1500: number;
  readonly cold1500: number;
  readonly msPerToken1500: number;
  readonly prompt1500: number;
  readonly streamsTps: number;
  readonly streamsRequests: number;
  readonly streamsErrors: number;
  readonly streamsTokensPerRequest: number;
  readonly streamsP50: number;
  readonly loadErrors: number;
  readonly loadFirstError?: string;
  readonly loadRequests: number;
  readonly loadP50: number;
  readonly loadP95: number;
  readonly loadTps: number;
  readonly resent: number;
}

/**
 * Every phase runs on each server in turn (both stay up, the idle one uses no CPU), so a load change on a shared
 * machine hits both sides of a ratio alike.
 */
async function measure(running: readonly Server[], count: (text: string) => number): Promise<Figures[]> {
  for (const server of running) {
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as {data: {id: string}[]};
    modelIds.set(server.url, listed.data[0]!.id);
    await closedLoop(server, slots, 2000);
  }
  const each = async <T>(phase: (server: Server) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    for (const server of running) out.push(await phase(server));
    return out;
  };
  const short = await each((server) => followUp(server, 100, count));
  const long = await each((server) => followUp(server, longHistory, count));
  const streams = await each((server) => closedLoop(server, slots, streamsSeconds * 1000));
  const load = await each((server) => closedLoop(server, clients, seconds * 1000));
  const tokens = (r: {samples: Sample[]}): number => r.samples.reduce((n, s) => n + s.tokens, 0);
  const ttfts = (r: {samples: Sample[]}): number[] => r.samples.flatMap((s) => (s.ttftMs == null ? [] : [s.ttftMs]));
  const failed = (r: {samples: Sample[]}): number => r.samples.filter((s) => !s.ok).length;
  return running.map((_, i) => {
    const ttft = ttfts(load[i]!);
    return {
      follow100: short[i]!.ttft,
      follow1500: long[i]!.ttft,
      cold1500: long[i]!.cold,
      msPerToken1500: long[i]!.msPerToken,
      prompt1500: long[i]!.promptTokens,
      streamsTps: tokens(streams[i]!) / (streams[i]!.elapsedMs / 1000),
      streamsRequests: streams[i]!.samples.length,
      streamsErrors: failed(streams[i]!),
      streamsTokensPerRequest: tokens(streams[i]!) / (streams[i]!.samples.length - failed(streams[i]!)),
      streamsP50: percentile(ttfts(streams[i]!), 50),
      loadErrors: failed(load[i]!),
      loadFirstError: load[i]!.samples.find((s) => !s.ok)?.error,
      loadRequests: load[i]!.samples.length,
      loadP50: percentile(ttft, 50),
      loadP95: percentile(ttft, 95),
      loadTps: tokens(load[i]!) / (load[i]!.elapsedMs / 1000),
      resent: resent.get(running[i]!.url) ?? 0
    };
  });
}

async function batchedBench(model: string): Promise<string> {
  const binary = findLlamaTool("llama-batched-bench");
  if (binary == null) return "llama-batched-bench is absent";
  const child = spawn(binary, ["-m", model, "-c", String(slotContext * slots), "-b", "2048", "-ub", "512", "-npp", "128", "-ntg", String(maxTokens), "-npl", "1,4,8", "-t", String(threads), ...(flashAttention == null ? [] : ["-fa", flashAttention])], {
    stdio: ["ignore", "pipe", "pipe"]
  });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", () => undefined);
  await new Promise((r) => child.once("exit", r));
  // Its table: | PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | S_TG t/s | T s | S t/s |
  const rows = out.split("\n").filter((line) => /^\|\s+\d+/.test(line)).map((line) => line.split("|").map((cell) => cell.trim()));
  return rows.map((cells) => `B=${cells[3]}: generation ${cells[8]} tok/s (prompt ${cells[6]} tok/s)`).join("; ");
}

/**
 * A random model samples tokens that are not text on their own: part of a UTF-8 character, a control character.
 * llama-server re-parses an answer's whole text after every token and fails the request mid-stream (a 500,
 * "does not match the expected Content-only format") on such text, which frees its slot early and shortens its
 * queue: 20-33% of its requests in the runs before this option. So both servers get logit_bias -100 on those
 * tokens, and both finish every answer.
 */
function nonTextBias(tokenizer: Tokenizer): Record<string, number> {
  const special = new Set<number | undefined>([...tokenizer.specialTokens.map((token) => token.id), tokenizer.eosTokenId, tokenizer.bosTokenId]);
  const bias: Record<string, number> = {};
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (special.has(id)) continue;
    const text = tokenizer.decode([id]);
    if (text.includes("\uFFFD") || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) bias[id] = -100;
  }
  return bias;
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;
const ratio = (ours: number, peer: number): string => `${(ours / peer).toFixed(2)}x`;

async function main(): Promise<void> {
  if (servers.includes("peer") && findLlamaTool("llama-server") == null) throw new Error("llama-server is absent: run scripts/build-llama-server.sh");
  console.log(
    `bench/serve-vs-llama-server: ${slots} slots x up to ${slotContext} tokens, ${threads} thread(s), max_tokens ${maxTokens}, ` +
      `${slots} streams for ${streamsSeconds} s, ${clients} clients for ${seconds} s, flash attention ${flashAttention ?? "each server's default"}, ` +
      `ours with UV_THREADPOOL_SIZE ${uvThreadpoolSize} ` +
      `(loopback; a shared machine is noisy)`
  );
  for (const spec of models) {
    const model = await serveBenchModel(spec);
    if (!existsSync(model)) {
      console.log(`${spec}: ${model} is absent, skipped`);
      continue;
    }
    const gguf = await readGguf(model);
    const trained = Number(ggufMetadataValue(gguf, `${String(ggufMetadataValue(gguf, "general.architecture"))}.context_length`) ?? 2048);
    slotContext = Math.min(2048, trained);
    longHistory = Math.min(1500, slotContext - 3 * maxTokens);
    const tokenizer = await loadTokenizer(model);
    const count = (text: string): number => tokenizer.count(text);
    logitBias = textTokensOnly ? nonTextBias(tokenizer) : undefined;
    const dir = await mkdtemp(join(tmpdir(), "h2ogpt-bench-serve-vs-"));
    let results: Figures[] = [];
    const running: Server[] = [];
    try {
      for (const which of servers) running.push(await (which === "ours" ? startOurs(model, dir) : startPeer(model)));
      results = await measure(running, count);
    } finally {
      for (const server of running) await server.stop();
      tokenizer.dispose();
      await rm(dir, {recursive: true, force: true});
    }
    if (results.length < 2) {
      console.log(JSON.stringify({model: spec, [servers[0]!]: results[0]}));
      continue;
    }
    const [ours, peer] = results as [Figures, Figures];
    const biased = logitBias == null ? "every token may be sampled" : `logit_bias -100 on ${Object.keys(logitBias).length} tokens that are not text`;
    console.log(`\n${spec} (${model}, ${slotContext} tokens per slot, ${biased})`);
    console.log("| measure | h2ogpt serve | llama-server | ours / peer |");
    console.log("|---|---:|---:|---:|");
    console.log(`| follow-up TTFT, ~100 tokens of history | ${ms(ours.follow100)} | ${ms(peer.follow100)} | ${ratio(ours.follow100, peer.follow100)} |`);
    console.log(`| follow-up TTFT, ~${longHistory} tokens of history (${ours.prompt1500} / ${peer.prompt1500} prompt tokens) | ${ms(ours.follow1500)} | ${ms(peer.follow1500)} | ${ratio(ours.follow1500, peer.follow1500)} |`);
    console.log(`| follow-up ${longHistory} / 100 (goal <= 1.3x at 1,500) | ${ratio(ours.follow1500, ours.follow100)} | ${ratio(peer.follow1500, peer.follow100)} | |`);
    console.log(`| first turn TTFT, ~${longHistory} tokens (nothing cached) | ${ms(ours.cold1500)} | ${ms(peer.cold1500)} | ${ratio(ours.cold1500, peer.cold1500)} |`);
    console.log(`| then one stream's generation, ms a token | ${ours.msPerToken1500.toFixed(1)} | ${peer.msPerToken1500.toFixed(1)} | ${ratio(ours.msPerToken1500, peer.msPerToken1500)} |`);
    console.log(`| ${slots} concurrent streams, tokens/s (goal >= 0.9x) | ${ours.streamsTps.toFixed(0)} | ${peer.streamsTps.toFixed(0)} | ${ratio(ours.streamsTps, peer.streamsTps)} |`);
    console.log(`| ${slots} streams: errors / requests, tokens per answer | ${ours.streamsErrors} / ${ours.streamsRequests}, ${ours.streamsTokensPerRequest.toFixed(1)} | ${peer.streamsErrors} / ${peer.streamsRequests}, ${peer.streamsTokensPerRequest.toFixed(1)} | |`);
    console.log(`| ${slots} streams: TTFT p50 | ${ms(ours.streamsP50)} | ${ms(peer.streamsP50)} | ${ratio(ours.streamsP50, peer.streamsP50)} |`);
    console.log(`| ${clients} clients: errors / requests | ${ours.loadErrors} / ${ours.loadRequests} | ${peer.loadErrors} / ${peer.loadRequests} | |`);
    console.log(`| requests sent again: the server closed their connection as they went out | ${ours.resent} | ${peer.resent} | |`);
    console.log(`| ${clients} clients: TTFT p50 (goal <= 1.2x) | ${ms(ours.loadP50)} | ${ms(peer.loadP50)} | ${ratio(ours.loadP50, peer.loadP50)} |`);
    console.log(`| ${clients} clients: TTFT p95 (goal <= 1.2x) | ${ms(ours.loadP95)} | ${ms(peer.loadP95)} | ${ratio(ours.loadP95, peer.loadP95)} |`);
    console.log(`| ${clients} clients: tokens/s | ${ours.loadTps.toFixed(0)} | ${peer.loadTps.toFixed(0)} | ${ratio(ours.loadTps, peer.loadTps)} |`);
    for (const [name, figures] of [["h2ogpt serve", ours], ["llama-server", peer]] as const)
      if (figures.loadFirstError != null) console.log(`${name}'s first error: ${figures.loadFirstError.slice(0, 300)}`);
    console.log(`llama-batched-bench ceiling (${threads} thread(s), 128-token prompts): ${await batchedBench(model)}`);
  }
}

await main();
