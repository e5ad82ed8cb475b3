import {availableParallelism} from "node:os";
import {NotSupportedError} from "../../errors/index.js";
import {installIteratorHelpers} from "./iterator-helpers.js";
import {installWorkerShim} from "./worker-shim.js";

export type Jax = typeof import("@jax-js/jax");

export interface JaxRuntime {
  readonly jax: Jax;
  /** Threads the wasm backend runs kernels on (1 = the main thread only). */
  readonly threads: number;
}

let loaded: Promise<JaxRuntime> | undefined;
let loadedThreads = 0;

/**
 * Loads @jax-js/jax on its wasm backend. jax-js decides at import time whether it has a worker pool and how
 * big it is, so the polyfills go in first and the thread count is fixed for the life of the process.
 */
export function loadJax(options: {threads?: number} = {}): Promise<JaxRuntime> {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  if (loaded != null) {
    if (threads !== loadedThreads)
      throw new NotSupportedError(
        `the tensor runtime already runs with ${loadedThreads} thread(s) in this process; cannot switch to ${threads}`
      );
    return loaded;
  }
  loadedThreads = threads;
  loaded = importJax(threads);
  return loaded;
}

async function importJax(threads: number): Promise<JaxRuntime> {
  installIteratorHelpers();
  const global = globalThis as {navigator?: unknown};
  const hadNavigator = "navigator" in globalThis;
  if (threads > 1) {
    installWorkerShim();
    // jax-js sizes its pool from navigator.hardwareConcurrency when it is imported; Node 20 has no navigator.
    if (!hadNavigator) global.navigator = {hardwareConcurrency: threads, userAgent: "node"};
  }
  try {
    const jax = await import("@jax-js/jax");
    await jax.init("wasm");
    jax.defaultDevice("wasm");
    return {jax, threads};
  } finally {
    // Other libraries take a global navigator as a sign of a browser.
    if (!hadNavigator) delete global.navigator;
  }
}
