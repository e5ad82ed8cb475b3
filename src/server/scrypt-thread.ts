import {Worker} from "node:worker_threads";
import {WorkerCalls} from "../util/index.js";

export interface ScryptOptions {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly maxmem: number;
}

/**
 * The worker's own code, evaluated in place: it needs no file beside the compiled one, so it runs the same from
 * dist/ and from the TypeScript sources under tsx or vitest. A worker inherits the process's --input-type, so the
 * code is read as CommonJS or as a module: process.getBuiltinModule works in both, where require or import would not.
 */
const SOURCE = `
const {parentPort} = process.getBuiltinModule("node:worker_threads");
const {scryptSync} = process.getBuiltinModule("node:crypto");
parentPort.on("message", ({id, password, salt, length, options}) => {
  try {
    parentPort.postMessage({id, value: scryptSync(password, salt, length, options)});
  } catch (error) {
    parentPort.postMessage({id, error: error instanceof Error ? error.message : String(error)});
  }
});
`;

let calls: WorkerCalls<Buffer> | undefined;

function thread(): WorkerCalls<Buffer> {
  if (calls != null) return calls;
  const worker = new Worker(SOURCE, {eval: true});
  const created = new WorkerCalls<Buffer>(worker, {
    decode: (value) => {
      const key = value as Uint8Array;
      return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    },
    error: (message) => new Error(message ?? "scrypt failed")
  });
  worker.on("error", (error) => {
    created.fail(error);
    if (calls === created) calls = undefined;
  });
  worker.on("exit", (code) => {
    if (calls !== created) return;
    created.fail(new Error(`the scrypt thread exited with code ${code}`));
    calls = undefined;
  });
  calls = created;
  return created;
}

/**
 * crypto.scrypt on a thread of its own instead of libuv's thread pool. Why: llama.cpp's decode and sampling
 * tasks run on that pool (4 threads by default), so a login's 0.3 s of scrypt there would take a thread that every
 * stream's next token may be waiting for. Requests are answered in order, one at a time; the thread
 * keeps the process alive only while a request is pending.
 *
 * @example
 * const key = await scryptOnThread("secret", randomBytes(16), 32, {N: 2 ** 15, r: 8, p: 3, maxmem: 64 * 2 ** 20});
 */
export function scryptOnThread(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return thread().call({password, salt, length, options});
}
