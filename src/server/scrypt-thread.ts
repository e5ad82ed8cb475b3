import {Worker} from "node:worker_threads";

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
    parentPort.postMessage({id, key: scryptSync(password, salt, length, options)});
  } catch (error) {
    parentPort.postMessage({id, error: error instanceof Error ? error.message : String(error)});
  }
});
`;

interface Pending {
  readonly resolve: (key: Buffer) => void;
  readonly reject: (error: Error) => void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function failAll(error: Error): void {
  for (const {reject} of pending.values()) reject(error);
  pending.clear();
  worker = undefined;
}

function thread(): Worker {
  if (worker != null) return worker;
  const created = new Worker(SOURCE, {eval: true});
  created.on("message", ({id, key, error}: {id: number; key?: Uint8Array; error?: string}) => {
    const waiter = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) created.unref();
    if (waiter == null) return;
    if (key != null) waiter.resolve(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    else waiter.reject(new Error(error ?? "scrypt failed"));
  });
  created.on("error", failAll);
  created.on("exit", (code) => {
    if (worker === created) failAll(new Error(`the scrypt thread exited with code ${code}`));
  });
  worker = created;
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
  const target = thread();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, {resolve, reject});
    target.ref();
    target.postMessage({id, password, salt, length, options});
  });
}
