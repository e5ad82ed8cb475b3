import {quote} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import type {GenerationRun, ServedModel} from "./served-model.js";
import {SlotLimiter} from "./slot-limiter.js";

/**
 * The served models by name (h2oGPT's model_lock), each with its own slot limiter, since each engine has its
 * own context and sequences.
 */

export interface ModelLimits {
  /** Generations at once per model; defaults to the engine's sequences. */
  readonly concurrency?: number;
  /** Waiting requests per model beyond which requests get 429; defaults to 4 x concurrency. */
  readonly maxQueue?: number;
}

export interface ModelEntry {
  readonly model: ServedModel;
  readonly limiter: SlotLimiter;
}

/** A generation holding a slot; the slot is released when `result` settles. */
export interface LeasedRun extends GenerationRun {
  /** Stops the generation (e.g. the client went away); the slot frees as soon as the engine stops. */
  abort(): void;
}

export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();
  /** Each model's aliases (its GGUF name, file name...), for `resolve`; a served name always wins over an alias. */
  private readonly aliases = new Map<string, ModelEntry>();

  constructor(models: readonly ServedModel[], limits: ModelLimits = {}) {
    if (models.length === 0) throw new RangeError("at least one model must be served");
    for (const model of models) {
      if (this.entries.has(model.info.name)) throw new RangeError(`two models are named ${model.info.name}`);
      const concurrency = limits.concurrency ?? Math.max(1, model.info.sequences);
      const limiter = new SlotLimiter({concurrency, maxQueue: limits.maxQueue ?? 4 * concurrency});
      this.entries.set(model.info.name, {model, limiter});
    }
    for (const entry of this.entries.values())
      for (const alias of entry.model.info.aliases ?? []) if (!this.aliases.has(alias)) this.aliases.set(alias, entry);
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  get all(): ModelEntry[] {
    return [...this.entries.values()];
  }

  /**
   * The model a request names: the first served model when it names none, else the model with that name or
   * alias. Any other name is a 404 `model_not_found`, as OpenAI answers, rather than a silent substitute.
   */
  resolve(name: string | undefined, param = "model"): ModelEntry {
    if (name == null || name === "") return this.entries.values().next().value!;
    const entry = this.entries.get(name) ?? this.aliases.get(name);
    if (entry != null) return entry;
    throw new HttpError(404, `${param}: no model named ${quote(name)}; this server serves ${this.names.join(", ")}`, {
      param,
      code: "model_not_found"
    });
  }

  /**
   * Waits for a slot (429 when the queue is full), starts the generation with an abort tied to `signal`, and
   * waits for its first text (or its end). The prompt is planned and budgeted before any text comes, so a bad
   * request (unknown prompt type, a prompt too long for the context) is thrown here, while a streaming response
   * can still answer with a plain HTTP error instead of an event after a 200.
   */
  async lease(entry: ModelEntry, signal: AbortSignal, start: (signal: AbortSignal) => GenerationRun): Promise<LeasedRun> {
    const release = await entry.limiter.acquire(signal);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, {once: true});
    const done = (): void => {
      signal.removeEventListener("abort", onAbort);
      release();
    };
    let run: GenerationRun;
    try {
      signal.throwIfAborted();
      run = start(controller.signal);
    } catch (error) {
      done();
      throw error;
    }
    run.result.then(done, done);
    const iterator = run.stream[Symbol.asyncIterator]();
    const firstDelta = iterator.next();
    // Errors found while planning the prompt come before the first token, so they can still be an HTTP status; a
    // run that says it started (a long map-reduce) is answered before its first token instead.
    await (run.started == null ? firstDelta : Promise.race([firstDelta, run.started]));
    const rest: AsyncIterable<string> = {[Symbol.asyncIterator]: () => iterator};
    const stream = (async function* () {
      try {
        const first = await firstDelta;
        if (first.done) return;
        yield first.value;
        yield* rest;
      } finally {
        // A reader leaving early stops the generation, as leaving the engine's own stream does.
        await iterator.return?.();
      }
    })();
    return {stream, result: run.result, abort: () => controller.abort(new Error("generation stopped"))};
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((entry) => entry.model.close()));
  }
}
