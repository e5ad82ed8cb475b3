import {Worker} from "node:worker_threads";
import {H2oGptError} from "../errors/index.js";
import {endWorker, WorkerCalls} from "../util/index.js";

/** One padded batch: ids, attention mask and token type ids side by side as int64s in `buffer` (rows x width each). */
export interface SessionBatch {
  readonly buffer: ArrayBuffer;
  readonly rows: number;
  readonly width: number;
}

export interface OnnxSessionThreadOptions {
  readonly modelPath: string;
  /** onnxruntime's intra-op threads (undefined: onnxruntime's own choice). */
  readonly threads?: number;
}

/** Why the thread could not load or run the model, as onnxruntime said it (first line). */
export class OnnxSessionThreadError extends H2oGptError {}

/**
 * The thread's own code, evaluated in place so it runs the same from dist/ and from the TypeScript sources (see
 * src/server/scrypt-thread.ts). onnxruntime-node is required from this module's location, passed in workerData.
 */
const SOURCE = `
const {parentPort, workerData} = process.getBuiltinModule("node:worker_threads");
const {createRequire} = process.getBuiltinModule("node:module");
const firstLine = (error) => String(error && error.message ? error.message : error).split("\\n")[0];
let ort;
let session;
let hasTokenTypes;
let failed;
const ready = (async () => {
  try {
    ort = createRequire(workerData.requireFrom)("onnxruntime-node");
    session = await ort.InferenceSession.create(workerData.modelPath, workerData.sessionOptions);
    hasTokenTypes = session.inputNames.includes("token_type_ids");
    // One run of a two-token row before saying ready: a model that loads but cannot run fails here, at load,
    // and the first real batch does not pay the session's first-run allocations.
    if (session.inputNames.includes("input_ids") && session.inputNames.includes("attention_mask")) await runBatches([{buffer: new ArrayBuffer(3 * 8 * 2), rows: 1, width: 2}]);
    parentPort.postMessage({type: "ready", inputNames: session.inputNames});
  } catch (error) {
    failed = firstLine(error);
    parentPort.postMessage({type: "failed", message: failed});
  }
})();
// One message at a time, in order: a close waits for the runs before it.
let chain = ready;
parentPort.on("message", (message) => {
  chain = chain.then(() => handle(message));
});
async function runBatches(batches) {
  let total = 0;
  for (const batch of batches) total += batch.rows;
  const logits = new Float64Array(total);
  let at = 0;
  for (const {buffer, rows, width} of batches) {
    const size = rows * width;
    const shape = [rows, width];
    const feeds = {
      input_ids: new ort.Tensor("int64", new BigInt64Array(buffer, 0, size), shape),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(buffer, 8 * size, size), shape)
    };
    if (hasTokenTypes) feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(buffer, 16 * size, size), shape);
    const result = await session.run(feeds);
    const data = (result.logits ?? result[session.outputNames[0]]).data;
    const labels = data.length / rows;
    for (let row = 0; row < rows; row++) logits[at++] = data[row * labels];
  }
  return logits;
}
async function handle(message) {
  if (message.type === "close") {
    if (session) await session.release().catch(() => undefined);
    parentPort.close();
    return;
  }
  const {id, batches} = message;
  if (failed !== undefined) return parentPort.postMessage({id, error: failed});
  try {
    const logits = await runBatches(batches);
    parentPort.postMessage({id, value: logits}, [logits.buffer]);
  } catch (error) {
    parentPort.postMessage({id, error: firstLine(error)});
  }
}
`;

type Reply = {type: "ready"; inputNames: string[]} | {type: "failed"; message: string};

/**
 * An onnxruntime session on a thread of its own. Why: onnxruntime-node runs a session synchronously on the calling
 * thread, so a reward model scoring an answer inside `serve` would stall every other stream (and the health check)
 * for the whole forward pass, seconds for a DeBERTa-v3-large. On its own thread the event loop stays free, and the
 * caller can encode the next batch while this one runs. Batches are answered in order; the thread keeps the
 * process alive only while one is pending.
 *
 * @example
 * const thread = await OnnxSessionThread.start({modelPath: "model/model.onnx", threads: 1});
 * const logits = await thread.run([{buffer, rows: 2, width: 7}]);
 * await thread.close();
 */
export class OnnxSessionThread {
  private readonly calls: WorkerCalls<Float64Array>;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[]
  ) {
    const calls = new WorkerCalls<Float64Array>(worker, {error: (message) => new OnnxSessionThreadError(message ?? "onnxruntime failed")});
    worker.on("error", (error) => calls.fail(new OnnxSessionThreadError(error.message)));
    worker.on("exit", (code) => calls.fail(new OnnxSessionThreadError(`the onnxruntime thread exited with code ${code}`)));
    this.calls = calls;
  }

  /** Starts the thread and loads the model; rejects with onnxruntime's reason when it cannot. */
  static async start(options: OnnxSessionThreadOptions): Promise<OnnxSessionThread> {
    const sessionOptions = {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      ...(options.threads === undefined ? {} : {intraOpNumThreads: options.threads, interOpNumThreads: 1})
    };
    const worker = new Worker(SOURCE, {eval: true, workerData: {requireFrom: import.meta.url, modelPath: options.modelPath, sessionOptions}});
    const inputNames = await new Promise<string[]>((resolve, reject) => {
      worker.once("message", (reply: Reply) => {
        if ("type" in reply && reply.type === "ready") resolve(reply.inputNames);
        else reject(new OnnxSessionThreadError("message" in reply ? reply.message : "the onnxruntime thread did not start"));
      });
      worker.once("error", (error) => reject(new OnnxSessionThreadError(error.message)));
      worker.once("exit", (code) => reject(new OnnxSessionThreadError(`the onnxruntime thread exited with code ${code} while loading`)));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new OnnxSessionThread(worker, inputNames);
  }

  /**
   * The first logit of each row of `batches`, in order. One message carries them all: with a message per batch the
   * thread alone took about 35 us a pair of bench/score.ts's tiny model, against about 33 with one per window. The
   * buffers are handed over to the thread (unusable here afterwards).
   */
  run(batches: readonly SessionBatch[]): Promise<Float64Array> {
    return this.calls.call({batches: batches.map(({buffer, rows, width}) => ({buffer, rows, width}))}, batches.map((batch) => batch.buffer));
  }

  /** Releases the session and lets the thread end by itself (see endWorker). */
  async close(): Promise<void> {
    if (this.calls.refused) return;
    this.calls.refuse(new OnnxSessionThreadError("the onnxruntime thread was closed"));
    await endWorker(this.worker, {type: "close"});
  }
}
