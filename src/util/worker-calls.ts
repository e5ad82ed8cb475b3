import type {TransferListItem, Worker} from "node:worker_threads";

/** What a thread posts back for a call: its `id`, and the `value` or an `error` message. */
export interface WorkerReply {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
}

export interface WorkerCallsOptions<T> {
  /** Turns a reply's `value` into the call's result (default: as it is). */
  readonly decode?: (value: unknown) => T;
  /** The error a call rejects with when the thread replies with an error message (or with neither). */
  readonly error: (message: string | undefined) => Error;
}

/**
 * Calls answered by a worker thread: `call` posts `{id, ...message}` and settles when the thread replies with a
 * WorkerReply carrying that id (other messages are left to other listeners). The thread keeps the process alive
 * only while a call is pending, so an idle one never holds a CLI run open. The owner decides what ends the calls
 * (`fail` on the thread's error or exit; `refuse` on close, which lets calls already posted be answered).
 *
 * @example
 * const calls = new WorkerCalls<Buffer>(worker, {error: (message) => new Error(message ?? "failed")});
 * worker.on("exit", (code) => calls.fail(new Error(`exited with code ${code}`)));
 * const key = await calls.call({password, salt});
 */
export class WorkerCalls<T> {
  private readonly pending = new Map<number, {resolve: (value: T) => void; reject: (error: Error) => void}>();
  private nextId = 0;
  private refusal: Error | undefined;

  constructor(
    private readonly worker: Worker,
    options: WorkerCallsOptions<T>
  ) {
    const decode = options.decode ?? ((value: unknown) => value as T);
    worker.on("message", (reply: WorkerReply) => {
      if (typeof reply?.id !== "number") return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (waiter == null) return;
      if (reply.value != null) waiter.resolve(decode(reply.value));
      else waiter.reject(options.error(reply.error));
    });
    worker.unref();
  }

  /** Posts one call; `transfer` hands buffers over to the thread (unusable here afterwards). */
  call(message: Record<string, unknown>, transfer?: readonly TransferListItem[]): Promise<T> {
    if (this.refusal != null) return Promise.reject(this.refusal);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject});
      this.worker.ref();
      this.worker.postMessage({...message, id}, transfer);
    });
  }

  /** Whether calls are refused now (after `refuse` or `fail`). */
  get refused(): boolean {
    return this.refusal != null;
  }

  /** Refuses new calls with `error`; calls already posted are still answered. The first refusal stays. */
  refuse(error: Error): void {
    this.refusal ??= error;
  }

  /** Refuses new calls and rejects the pending ones: the thread will not answer them. */
  fail(error: Error): void {
    this.refuse(error);
    for (const {reject} of this.pending.values()) reject(this.refusal!);
    this.pending.clear();
  }
}
