/**
 * Keeps the generations of one llama.cpp context in step: each asks for its next token only once every running
 * generation has its current one, and then all ask together, after the current macrotask.
 *
 * Why: node-llama-cpp decodes queued sequences in a loop that holds the context's lock while more decodes are
 * queued when a batch ends. Sampling runs on the thread pool and finishes at different times for each sequence,
 * so without a barrier some sequences queue their next token before the loop looks, the loop never ends under
 * load, and a new request (which must take that lock to erase the stale tail of its sequence) waited until every
 * other answer had ended (13 s with seven long answers running); batches also held 7 of 8 sequences. In step,
 * the loop ends after every batch, a waiting erase runs at once, and every batch holds every running sequence,
 * as llama-server decodes all its slots in one batch per step. A request still evaluating its prompt is not a
 * member yet, so its prompt chunks are decoded alongside the others' tokens instead of stalling them.
 *
 * Members are released lowest rank (sequence id) first, so their next tokens reach llama.cpp's batch in increasing
 * sequence order: with a KV cache stream per sequence, llama.cpp cuts a batch into micro-batches of consecutive
 * increasing sequence ids, each a full pass over the model's weights. Released in the order their sampling finished,
 * 8 sequences made 2 to 4 micro-batches a step; in order, one (engine alone, 8 sequences, 1 thread: built-in model
 * 1,078-1,251 tokens/s instead of 831-917, 30M-parameter bench model 444-519 instead of 390-425).
 *
 * @example
 * const barrier = new StepBarrier();
 * const member = barrier.join(sequenceId);
 * try {
 *   for await (const token of tokens) await member.step();
 * } finally {
 *   member.leave();
 * }
 */
export class StepBarrier {
  private readonly members = new Set<object>();
  private readonly waiting = new Map<object, {readonly rank: number; readonly resolve: () => void}>();
  private releaseScheduled = false;

  /** Generations currently in step. */
  get size(): number {
    return this.members.size;
  }

  /**
   * Joins the barrier; `step` waits for the others, `leave` must be called when the generation ends. Waiting
   * members are released lowest rank first.
   */
  join(rank = 0): {step(): Promise<void>; leave(): void} {
    const member = {};
    this.members.add(member);
    return {
      step: () =>
        new Promise<void>((resolve) => {
          this.waiting.set(member, {rank, resolve});
          this.releaseWhenAllWait();
        }),
      leave: () => {
        this.members.delete(member);
        this.waiting.get(member)?.resolve();
        this.waiting.delete(member);
        this.releaseWhenAllWait();
      }
    };
  }

  private releaseWhenAllWait(): void {
    if (this.releaseScheduled || this.waiting.size === 0 || this.waiting.size < this.members.size) return;
    this.releaseScheduled = true;
    // After the macrotask, so node-llama-cpp's decode loop has seen an empty queue and let go of its lock.
    setImmediate(() => {
      this.releaseScheduled = false;
      const released = [...this.waiting.values()].sort((a, b) => a.rank - b.rank);
      this.waiting.clear();
      for (const {resolve} of released) resolve();
    });
  }
}
