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

  constructor(models: readonly ServedModel[], limits: ModelLimits = {}) {
    if (models.length === 0) throw new RangeError("at least one model must be served");
    for (const model of models) {
      if (this.entries.has(model.info.name)) throw new RangeError(`two models are named ${model.info.name}`);
      const concurrency = limits.concurrency ?? Math.max(1, model.info.sequences);
      const limiter = new SlotLimiter({concurrency, maxQueue: limits.maxQueue ?? 4 * concurrency});
      this.entries.set(model.info.name, {model, limiter});
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  get all(): ModelEntry[] {
    return [...this.entries.values()];
  }

  /**
   * The model a request names. With one model served any name (or none) selects it, because OpenAI clients
   * often send a fixed default such as `gpt-3.5-turbo`; with several, the name must match.
   */
  resolve(name: string | undefined, param = "model"): ModelEntry {
    if (name != null && name !== "") {
      const entry = this.entries.get(name);
      if (entry != null) return entry;
    }
    if (this.entries.size === 1 || name == null || name === "") return this.entries.values().next().value!;
    throw new HttpError(404, `${param}: no model named "${name}"; this server serves ${this.names.join(", ")}`, {
      param,
      code: "model_not_found"
    });
  }

  /** Waits for a slot (429 when the queue is full), then starts the generation with an abort tied to `signal`. */
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
    return {stream: run.stream, result: run.result, abort: () => controller.abort(new Error("generation stopped"))};
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((entry) => entry.model.close()));
  }
}
