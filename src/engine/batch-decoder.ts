import type {ContextBinding, SamplerBinding, SamplerConfig} from "./llama-binding.js";

/** One generation, as the batch decoder drives it. */
export interface DecodeJob {
  /** The whole prompt; the part a sequence already holds is not evaluated again. */
  readonly prompt: readonly number[];
  /** Aborted: the job ends before its next step. */
  readonly signal: AbortSignal;
  /** The sampler's settings for the next token. */
  sampler(): SamplerConfig;
  /** A sampled token; returns the token to evaluate next, or undefined to end. */
  accept(token: number): number | undefined;
  /** The decode after the accepted token is queued: what the job holds for its client can go out while it runs. */
  dispatched(): void;
}

export interface DecodeOutcome {
  /** Prompt tokens the sequence already held. */
  readonly cachedTokens: number;
}

interface Running {
  readonly job: DecodeJob;
  readonly resolve: (outcome: DecodeOutcome) => void;
  readonly reject: (error: unknown) => void;
  readonly cachedTokens: number;
  /** The job's own: a seeded sampler's random state starts afresh with each job. */
  readonly sampler: SamplerBinding;
  /** Tokens to evaluate: the rest of the prompt, then each accepted token. */
  pending: number[];
}

interface Slot {
  readonly id: number;
  /** The tokens in the sequence's KV cache, by position. */
  cached: number[];
  running?: Running;
}

interface Sampled {
  readonly slot: Slot;
  /** -1 when sampling failed. */
  readonly token: number;
  readonly error?: unknown;
}

interface Queued {
  readonly job: DecodeJob;
  readonly resolve: (outcome: DecodeOutcome) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
}

export interface BatchDecoderOptions {
  readonly binding: ContextBinding;
  readonly sequences: number;
  /** Tokens one decode may hold (the context's batch size, at least `sequences`). */
  readonly batchSize: number;
  readonly createSampler: () => SamplerBinding;
}

/**
 * Decodes the generations of one llama.cpp context together, as llama-server decodes its slots: each step is one
 * decode holding the next token of every running sequence and chunks of new prompts, then every sequence with
 * logits is sampled (in parallel, on libuv's pool) and the loop goes on.
 *
 * Why not node-llama-cpp's sequences: its decode loop is shared by independent `evaluate` generators, each
 * queueing its token and awaiting its own result, so keeping them in one batch took a barrier, and its per-token
 * bookkeeping ran between two decodes. Driven from one loop, 8 generations on the built-in model without HTTP made
 * 2,206-2,359 tokens/s instead of 1,888-1,898 in alternating runs (docs/serve-benchmark-log.md).
 *
 * Sequences keep the tokens they evaluated when a job ends; a new job goes to the free sequence sharing the longest
 * prefix with its prompt (the lowest id on a tie), whose tail past that prefix is erased, as llama-server's
 * `cache_prompt`. Jobs beyond the number of sequences wait in arrival order. Tokens join a batch in increasing
 * sequence order: with a KV cache per sequence, llama.cpp splits a batch into micro-batches of consecutive,
 * increasing sequence ids, each a full pass over the weights.
 *
 * @example
 * const decoder = new BatchDecoder({binding, sequences: 8, batchSize: 512, createSampler});
 * const {cachedTokens} = await decoder.run({prompt, signal, sampler: () => config, accept, dispatched});
 */
export class BatchDecoder {
  private readonly slots: Slot[];
  private readonly queue: Queued[] = [];
  private looping = false;
  private idle: Promise<void> = Promise.resolve();
  private endLoop: () => void = () => {};

  constructor(private readonly options: BatchDecoderOptions) {
    this.slots = Array.from({length: options.sequences}, (_, id) => ({id, cached: []}));
  }

  /** Runs the job to its end; rejects when a decode or its sampling fails. */
  run(job: DecodeJob): Promise<DecodeOutcome> {
    if (job.signal.aborted) return Promise.resolve({cachedTokens: 0});
    return new Promise((resolve, reject) => {
      const queued: Queued = {
        job,
        resolve,
        reject,
        onAbort: () => {
          const index = this.queue.indexOf(queued);
          if (index === -1) return;
          this.queue.splice(index, 1);
          resolve({cachedTokens: 0});
        }
      };
      job.signal.addEventListener("abort", queued.onAbort, {once: true});
      this.queue.push(queued);
      if (!this.looping) {
        this.looping = true;
        this.idle = new Promise((done) => (this.endLoop = done));
        // Once the calling code has run: jobs started together share the first decode.
        queueMicrotask(() => void this.loop());
      }
    });
  }

  /** Waits for running jobs to end (abort them first). */
  async close(): Promise<void> {
    await this.idle;
  }

  private async loop(): Promise<void> {
    for (;;) {
      this.admit();
      for (const slot of this.slots) if (slot.running?.job.signal.aborted) this.finish(slot);
      const running = this.slots.filter((slot) => slot.running != null);
      if (running.length === 0) {
        this.looping = false;
        this.endLoop();
        return;
      }
      try {
        await this.step(running);
      } catch (error) {
        // Only a bug gets here: the jobs fail rather than wait for ever.
        for (const slot of running) if (slot.running != null) this.finish(slot, error);
      }
    }
  }

  /** Gives waiting jobs free sequences, keeping the prefix each shares with its prompt. */
  private admit(): void {
    while (this.queue.length > 0) {
      const free = this.slots.filter((slot) => slot.running == null);
      if (free.length === 0) return;
      const {job, resolve, reject, onAbort} = this.queue.shift()!;
      job.signal.removeEventListener("abort", onAbort);
      // The last prompt token is always evaluated: its logits give the first new token.
      const reusable = (slot: Slot): number => {
        let shared = 0;
        const limit = Math.min(slot.cached.length, job.prompt.length - 1);
        while (shared < limit && slot.cached[shared] === job.prompt[shared]) shared++;
        return shared;
      };
      let slot = free[0]!;
      let shared = reusable(slot);
      for (const other of free.slice(1)) {
        const candidate = reusable(other);
        if (candidate > shared) [slot, shared] = [other, candidate];
      }
      if (shared < slot.cached.length && !this.options.binding.removeTokenCellsFromSequence(slot.id, shared, -1)) {
        this.options.binding.removeTokenCellsFromSequence(slot.id, 0, -1);
        shared = 0;
      }
      slot.cached.length = shared;
      slot.running = {job, resolve, reject, cachedTokens: shared, sampler: this.options.createSampler(), pending: job.prompt.slice(shared)};
    }
  }

  /** One decode for every running sequence, then their sampling. */
  private async step(running: readonly Slot[]): Promise<void> {
    const {binding, batchSize} = this.options;
    // Every generating sequence gets its token; prompts share what is left of the batch, lowest sequence first.
    let room = batchSize - running.filter((slot) => slot.running!.pending.length === 1).length;
    const plan: {slot: Slot; count: number}[] = [];
    for (const slot of running) {
      const pending = slot.running!.pending.length;
      const count = pending === 1 ? 1 : Math.min(pending, room);
      if (pending > 1) room -= count;
      if (count > 0) plan.push({slot, count});
    }
    const outputs = new Map<Slot, number>();
    let decoding: Promise<void>;
    try {
      binding.initBatch(plan.reduce((sum, {count}) => sum + count, 0));
      for (const {slot, count} of plan) {
        const run = slot.running!;
        const tokens = run.pending.splice(0, count);
        const logits = run.pending.length === 0 ? [count - 1] : [];
        const indexes = binding.addToBatch(slot.id, slot.cached.length, Uint32Array.from(tokens), Uint32Array.from(logits));
        for (const token of tokens) slot.cached.push(token);
        if (logits.length > 0) outputs.set(slot, indexes[0]!);
      }
      decoding = binding.decodeBatch();
    } catch (error) {
      decoding = Promise.reject(error);
    }
    for (const slot of running) slot.running!.job.dispatched();
    try {
      await decoding;
    } catch (error) {
      for (const {slot} of plan) {
        binding.removeTokenCellsFromSequence(slot.id, 0, -1);
        slot.cached = [];
        this.finish(slot, error);
      }
      return;
    }
    const sampled = await Promise.all(
      [...outputs].map(async ([slot, index]): Promise<Sampled> => {
        try {
          const {job, sampler} = slot.running!;
          sampler.applyConfig(job.sampler());
          return {slot, token: await binding.sampleToken(index, sampler)};
        } catch (error) {
          return {slot, token: -1, error};
        }
      })
    );
    for (const {slot, token, error} of sampled) {
      if (token < 0) {
        this.finish(slot, error ?? new Error("llama.cpp failed to sample the next token"));
        continue;
      }
      let next: number | undefined;
      try {
        next = slot.running!.job.accept(token);
      } catch (acceptError) {
        this.finish(slot, acceptError);
        continue;
      }
      if (next == null) this.finish(slot);
      else slot.running!.pending.push(next);
    }
  }

  private finish(slot: Slot, error?: unknown): void {
    const run = slot.running!;
    slot.running = undefined;
    run.sampler.dispose();
    if (error === undefined) run.resolve({cachedTokens: run.cachedTokens});
    else run.reject(error);
  }
}
