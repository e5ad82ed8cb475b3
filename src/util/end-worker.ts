import {setTimeout as sleep} from "node:timers/promises";
import type {Worker} from "node:worker_threads";

/**
 * Asks a worker thread to end by itself (`message` tells it to release what it holds and close its port) and waits
 * for it; terminates it only if it has not ended after `timeoutMs` (a thread stuck in native code). Why not
 * terminate outright: a thread terminated while it still holds native objects (node-llama-cpp's) aborted the whole
 * process now and then.
 *
 * @example
 * await endWorker(worker, {type: "close"});
 */
export async function endWorker(worker: Worker, message: unknown, timeoutMs = 10_000): Promise<void> {
  if (worker.threadId === -1) return;
  const ended = new Promise<boolean>((resolve) => worker.once("exit", () => resolve(true)));
  worker.ref();
  worker.postMessage(message);
  if (!(await Promise.race([ended, sleep(timeoutMs, false, {ref: false})]))) await worker.terminate();
}
