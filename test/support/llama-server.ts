import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
import {createServer} from "node:net";
import {homedir} from "node:os";
import {join} from "node:path";
import {inCi, projectRoot} from "./shared.js";

/** Where scripts/build-llama-server.sh puts the binaries: the llama.cpp tag node-llama-cpp was built from. */
export function llamaCppBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const info = JSON.parse(readFileSync(join(projectRoot, "node_modules/node-llama-cpp/llama/llama.cpp.info.json"), "utf8")) as {tag: string};
  const cache = env.H2OGPT_LLAMA_CPP_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "h2ogpt-ts", `llama.cpp-${info.tag}`);
  return join(cache, "build", "bin");
}

/**
 * The llama-server binary (`H2OGPT_LLAMA_SERVER`, else the build script's cache), or undefined with the reason
 * printed, for tests to `skipIf`. In CI (which runs the build script first) a missing binary throws instead.
 */
export function findLlamaTool(name: "llama-server" | "llama-batched-bench"): string | undefined {
  const override = name === "llama-server" ? process.env.H2OGPT_LLAMA_SERVER : process.env.H2OGPT_LLAMA_BATCHED_BENCH;
  const path = override ?? join(llamaCppBinDir(), name);
  if (existsSync(path)) return path;
  const reason = `${path} is absent (build it with scripts/build-llama-server.sh, about 12 minutes, no download)`;
  if (inCi) throw new Error(`${reason}; CI must have it`);
  console.warn(`skipping: ${reason}`);
  return undefined;
}

export const llamaServerPath = findLlamaTool("llama-server");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address != null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface LlamaServerOptions {
  readonly model: string;
  /** `-np`: slots. Defaults to 1. */
  readonly parallel?: number;
  /** `-c`: the whole context, shared by the slots. Defaults to 512 per slot. */
  readonly contextSize?: number;
  /** `-t`. Defaults to 1. */
  readonly threads?: number;
  /** More arguments, appended. */
  readonly args?: readonly string[];
  readonly binary?: string;
  /** How long to wait for /health. Defaults to 60 s. */
  readonly readyTimeoutMs?: number;
}

export interface LlamaServerSlot {
  readonly id: number;
  readonly is_processing: boolean;
}

/** A llama-server child process on 127.0.0.1, ready once returned. */
export interface RunningLlamaServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `vllm:127.0.0.1:PORT`, h2oGPT's spelling for an OpenAI-compatible completion server. */
  readonly inferenceServer: string;
  readonly process: ChildProcess;
  /** Everything it printed so far. */
  log(): string;
  /** Its /slots (enabled with --slots). */
  slots(): Promise<LlamaServerSlot[]>;
  /** Polls /slots until no slot is processing, or throws after the deadline. */
  waitIdle(timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGKILL (as a crash would) and wait for the exit. */
  kill(): Promise<void>;
}

async function poll<T>(what: string, deadline: number, check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts llama-server on a free loopback port and waits until /health says it is ready. */
export async function startLlamaServer(options: LlamaServerOptions): Promise<RunningLlamaServer> {
  const binary = options.binary ?? llamaServerPath;
  if (binary == null) throw new Error("llama-server is not built (scripts/build-llama-server.sh)");
  const parallel = options.parallel ?? 1;
  const port = await freePort();
  const args = [
    "-m", options.model, "--host", "127.0.0.1", "--port", String(port), "-np", String(parallel),
    "-c", String(options.contextSize ?? 512 * parallel), "-t", String(options.threads ?? 1), "--slots", "--no-webui",
    ...(options.args ?? [])
  ];
  const child = spawn(binary, args, {stdio: ["ignore", "pipe", "pipe"]});
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  try {
    await poll("llama-server /health", deadline, async () => {
      if (dead) throw new Error(`llama-server exited before it was ready:\n${output.slice(-2000)}`);
      const response = await fetch(`${url}/health`);
      return response.ok ? true : undefined;
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw dead ? new Error(`llama-server exited before it was ready:\n${output.slice(-2000)}`) : error;
  }
  const slots = async (): Promise<LlamaServerSlot[]> => (await (await fetch(`${url}/slots`)).json()) as LlamaServerSlot[];
  return {
    port,
    url,
    inferenceServer: `vllm:127.0.0.1:${port}`,
    process: child,
    log: () => output,
    slots,
    waitIdle: async (timeoutMs = 10_000) => {
      await poll("llama-server's slots to be idle", Date.now() + timeoutMs, async () => ((await slots()).every((slot) => !slot.is_processing) ? true : undefined));
    },
    exited,
    kill: async () => {
      if (!dead) child.kill("SIGKILL");
      await exited;
    }
  };
}
