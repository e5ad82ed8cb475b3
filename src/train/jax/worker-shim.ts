import {resolveObjectURL} from "node:buffer";
import {Worker as ThreadWorker} from "node:worker_threads";

/**
 * @jax-js/jax runs its wasm kernels on a pool of browser Web Workers, created from a Blob URL holding the
 * worker's source, only when a global `Worker` exists. Node has `worker_threads` instead; this shim gives the
 * pool what it uses of the browser API (constructor from a Blob URL, `postMessage`, `onmessage`, `onerror`).
 * It depends on how jax-js 0.1.25 builds its workers (pinned; the threaded-vs-single test guards it).
 */

/** Runs inside the thread: receives the Blob's source first, then plays the browser worker's globals. */
const BOOTSTRAP = `
const {parentPort} = require("node:worker_threads");
parentPort.once("message", (source) => {
  globalThis.self = globalThis;
  globalThis.postMessage = (data) => parentPort.postMessage(data);
  (0, eval)(source);
  parentPort.on("message", (data) => globalThis.onmessage({data}));
});
`;

let posted = 0;

/** Messages sent to shim threads so far: lets a test or benchmark confirm kernels really ran on threads. */
export function threadMessagesPosted(): number {
  return posted;
}

interface BrowserWorkerEvent {
  readonly data: unknown;
}

class NodeBlobWorker {
  onmessage: ((event: BrowserWorkerEvent) => void) | null = null;
  onerror: ((event: {message: string}) => void) | null = null;
  readonly #thread: ThreadWorker;
  /** Messages wait for the source, which a Blob only gives asynchronously. */
  #sent: Promise<void>;
  #pending = 0;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (blob == null) throw new Error(`worker shim: ${String(url)} is not a live Blob URL`);
    this.#thread = new ThreadWorker(BOOTSTRAP, {eval: true});
    // A thread with no job in flight must not keep the process alive (jax-js never terminates its pool).
    this.#thread.unref();
    this.#thread.on("message", (data: unknown) => {
      if (--this.#pending === 0) this.#thread.unref();
      this.onmessage?.({data});
    });
    this.#thread.on("error", (error: Error) => this.onerror?.({message: error.message}));
    this.#sent = blob.text().then((source) => this.#thread.postMessage(source));
  }

  postMessage(message: unknown): void {
    posted++;
    if (this.#pending++ === 0) this.#thread.ref();
    this.#sent = this.#sent.then(() => this.#thread.postMessage(message));
  }

  terminate(): void {
    void this.#thread.terminate();
  }
}

/** Installs the global `Worker` jax-js looks for; returns false when the runtime already has one. */
export function installWorkerShim(): boolean {
  if (typeof (globalThis as {Worker?: unknown}).Worker !== "undefined") return false;
  Object.defineProperty(globalThis, "Worker", {value: NodeBlobWorker, writable: true, configurable: true});
  return true;
}
