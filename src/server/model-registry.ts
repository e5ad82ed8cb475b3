import {quote} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import type {GenerationRun, ServedModel} from "./served-model.js";
import {SlotLimiter} from "./slot-limiter.js";

/**
 * The served models by name (h2oGPT's model_lock), each with its own slot limiter, since each engine has its
 * own context and sequences. Admins add and remove models while the server runs (model-admin-routes.ts): a
 * removed model leaves `names`/`all`/`resolve` at once (new requests get 404), its running generations get a
 * grace period to finish and are then aborted, and only then is its engine closed.
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
  /** When it was loaded (ms since 1970). */
  readonly loadedAt: number;
  /** The models_dir file it was loaded from at run time; undefined for models given on the command line. */
  readonly file?: string;
  /** LoRA adapter files (in models_dir) applied at run time. */
  readonly lora: readonly string[];
}

/** What an unload did: how many generations were still running when the grace period ended (and were aborted). */
export interface RemovedModel {
  readonly name: string;
  readonly aborted: number;
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
  /** The generations running on each entry, to abort when its unload's grace period ends. */
  private readonly running = new Map<ModelEntry, Set<AbortController>>();
  /** Entries being unloaded: their leases are refused. */
  private readonly draining = new Set<ModelEntry>();
  /** Models being unloaded, so closing the server waits for them. */
  private readonly removals = new Set<Promise<unknown>>();

  constructor(models: readonly ServedModel[], private readonly limits: ModelLimits = {}) {
    if (models.length === 0) throw new RangeError("at least one model must be served");
    for (const model of models) {
      if (this.entries.has(model.info.name)) throw new RangeError(`two models are named ${model.info.name}`);
      this.entries.set(model.info.name, this.entryFor(model, {}));
    }
    this.indexAliases();
  }

  private entryFor(model: ServedModel, origin: {file?: string; lora?: readonly string[]}): ModelEntry {
    const concurrency = this.limits.concurrency ?? Math.max(1, model.info.sequences);
    const limiter = new SlotLimiter({concurrency, maxQueue: this.limits.maxQueue ?? 4 * concurrency});
    return {model, limiter, loadedAt: Date.now(), file: origin.file, lora: origin.lora ?? []};
  }

  private indexAliases(): void {
    this.aliases.clear();
    for (const entry of this.entries.values())
      for (const alias of entry.model.info.aliases ?? []) if (!this.aliases.has(alias)) this.aliases.set(alias, entry);
  }

  /** Serves one more model under its name; a name already served is a 409. */
  add(model: ServedModel, origin: {file?: string; lora?: readonly string[]} = {}): ModelEntry {
    const name = model.info.name;
    if (this.entries.has(name)) throw new HttpError(409, `name: a model named ${quote(name)} is already served`, {param: "name", code: "model_exists"});
    const entry = this.entryFor(model, origin);
    this.entries.set(name, entry);
    this.indexAliases();
    return entry;
  }

  /**
   * Stops serving `name`: at once for new requests (404, or 503 for one already waiting for a slot), then waits up
   * to `graceMs` for running generations to finish, aborts the rest, waits for their slots, and closes the engine.
   * Removing the last model is a 409 (the server always serves one).
   */
  async remove(name: string, options: {graceMs: number}): Promise<RemovedModel> {
    const entry = this.entries.get(name);
    if (entry == null) throw new HttpError(404, `no model named ${quote(name)}; this server serves ${this.names.join(", ")}`, {code: "model_not_found"});
    if (this.entries.size === 1) throw new HttpError(409, `${quote(name)} is the only model served; load another before unloading it`, {code: "last_model"});
    this.entries.delete(name);
    this.indexAliases();
    this.draining.add(entry);
    const removal = (async () => {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), options.graceMs)));
      const outcome = await Promise.race([entry.limiter.whenIdle().then(() => "idle" as const), graceOver]);
      clearTimeout(timer);
      const left = this.running.get(entry) ?? new Set();
      const aborted = outcome === "timeout" ? left.size : 0;
      if (outcome === "timeout") for (const controller of left) controller.abort(new Error(`model ${name} unloaded`));
      await entry.limiter.whenIdle();
      this.draining.delete(entry);
      this.running.delete(entry);
      await entry.model.close();
      return {name, aborted};
    })();
    this.removals.add(removal);
    try {
      return await removal;
    } finally {
      this.removals.delete(removal);
    }
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
    if (this.draining.has(entry)) {
      release();
      throw new HttpError(503, `model ${quote(entry.model.info.name)} is being unloaded`, {code: "model_unloading"});
    }
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, {once: true});
    const running = this.running.get(entry) ?? new Set<AbortController>();
    this.running.set(entry, running.add(controller));
    const done = (): void => {
      signal.removeEventListener("abort", onAbort);
      running.delete(controller);
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
    await Promise.allSettled([...this.removals]);
    await Promise.allSettled(this.all.map((entry) => entry.model.close()));
  }
}
