import {createRequire} from "node:module";
import {dirname, join} from "node:path";
import {pathToFileURL} from "node:url";
import {Worker} from "node:worker_threads";
import {H2oGptError} from "../errors/index.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {endWorker} from "../util/index.js";
import {tokenizeBatch, type LabelSettings, type TokenizeJob, type TokenizedBatch} from "./tokenize-batch.js";
import {tokenizerInfo, type TokenizeWorkerData, type TokenizerInfo, type WorkerReply, type WorkerRequest} from "./worker-protocol.js";

/** An error raised inside a worker thread, re-thrown here with the exit code it carried. */
export class WorkerError extends H2oGptError {
  override readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface TokenizerPoolOptions {
  /** A path to load, or a tokenizer already loaded (used as is on the calling thread; workers load its `path`). */
  readonly tokenizer: string | Tokenizer;
  /** Worker threads; 0 tokenizes on the calling thread. */
  readonly workers: number;
  readonly settings: LabelSettings;
}

interface Pending {
  readonly id: number;
  readonly job: TokenizeJob;
  readonly resolve: (batch: TokenizedBatch) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Starts one worker on the compiled `tokenize-worker.js` beside this file or, when running from TypeScript sources
 * (tests, `tsx`), on `tokenize-worker.ts` after registering tsx's loader inside the worker (workers do not inherit
 * the loader hooks of their parent).
 */
function startWorker(workerData: TokenizeWorkerData): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./tokenize-worker.js", import.meta.url), {workerData});
  // tsx's ESM API (its `exports` send require() to the CommonJS build, which cannot register from here).
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  const entry = new URL("./tokenize-worker.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, {eval: true, workerData});
}

/**
 * Tokenizes and labels batches on worker threads (each with its own tokenizer), or on the calling thread when
 * `workers` is 0. Batches are handed to whichever worker is free; each `run` promise resolves with its own batch,
 * so a caller that awaits them in submission order keeps the input order.
 */
export class TokenizerPool {
  private readonly queue: Pending[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly workers: readonly Worker[],
    private readonly local: {encode: (job: TokenizeJob) => TokenizedBatch; dispose: () => Promise<void>} | undefined,
    readonly info: TokenizerInfo
  ) {
    for (const worker of workers) {
      this.idle.push(worker);
      worker.on("message", (reply: WorkerReply) => this.onReply(worker, reply));
      worker.on("error", (error) => this.fail(new WorkerError(`tokenizer worker failed: ${error.message}`)));
      worker.on("exit", (code) => {
        if (code !== 0) this.fail(new WorkerError(`tokenizer worker exited with code ${code}`));
      });
    }
  }

  static async start(options: TokenizerPoolOptions): Promise<TokenizerPool> {
    const given = options.tokenizer;
    if (options.workers <= 0) {
      const tokenizer = typeof given === "string" ? await loadTokenizer(given) : given;
      const encode = (job: TokenizeJob) => tokenizeBatch(tokenizer, job, options.settings);
      const dispose = async () => (tokenizer === given ? undefined : tokenizer.dispose());
      return new TokenizerPool([], {encode, dispose}, tokenizerInfo(tokenizer));
    }
    const tokenizerPath = typeof given === "string" ? given : given.path;
    const workerData: TokenizeWorkerData = {tokenizerPath, settings: options.settings};
    const workers = Array.from({length: options.workers}, () => startWorker(workerData));
    try {
      const replies = await Promise.all(workers.map(waitReady));
      return new TokenizerPool(workers, undefined, replies[0]);
    } catch (error) {
      await Promise.all(workers.map(closeWorker));
      throw error;
    }
  }

  run(job: TokenizeJob): Promise<TokenizedBatch> {
    if (this.local != null) {
      try {
        return Promise.resolve(this.local.encode(job));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.failure != null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({id: this.nextId++, job, resolve, reject});
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.fail(new WorkerError("the tokenizer pool was closed"));
    await Promise.all(this.workers.map(closeWorker));
    await this.local?.dispose();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      const request: WorkerRequest = {type: "job", id: pending.id, job: pending.job};
      worker.postMessage(request);
    }
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const pending = this.busy.get(worker);
    if (pending == null || (reply.type !== "done" && reply.type !== "error")) return;
    this.busy.delete(worker);
    this.idle.push(worker);
    if (reply.type === "done") pending.resolve(reply.batch);
    else pending.reject(new WorkerError(`tokenizing failed: ${reply.message}`));
    this.dispatch();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of [...this.busy.values(), ...this.queue.splice(0)]) pending.reject(error);
    this.busy.clear();
  }
}

/** Asks a worker to release its tokenizer (llama.cpp's objects, for a GGUF) and end, and waits for it. */
function closeWorker(worker: Worker): Promise<void> {
  const request: WorkerRequest = {type: "close"};
  return endWorker(worker, request);
}

function waitReady(worker: Worker): Promise<TokenizerInfo> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.type === "ready") resolve(reply.info);
      else if (reply.type === "failed") reject(new WorkerError(reply.message, reply.exitCode));
      worker.off("message", onMessage);
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new WorkerError(`tokenizer worker exited with code ${code} while loading`)));
  });
}
