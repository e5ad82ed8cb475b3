import type {LlamaContextSequence, Token} from "node-llama-cpp";

interface Waiter {
  readonly tokens: readonly Token[];
  readonly resolve: (sequence: LlamaContextSequence | undefined) => void;
  readonly signal?: AbortSignal;
  readonly onAbort: () => void;
}

/**
 * The sequences of one llama.cpp context, lent to one generation at a time. Requests beyond the number of
 * sequences wait in arrival order. A free sequence whose cached tokens share the longest prefix with the new
 * prompt is preferred, so a chat's next turn re-evaluates only what is new; among equals, the one given first (the
 * lowest sequence id), which keeps the running sequences' ids consecutive: llama.cpp decodes one step of all of
 * them in a single micro-batch only then (see StepBarrier).
 */
export class SequencePool {
  /** Free sequences, lowest rank first. */
  private readonly free: LlamaContextSequence[];
  private readonly waiting: Waiter[] = [];
  private readonly ranks: ReadonlyMap<LlamaContextSequence, number>;

  constructor(sequences: readonly LlamaContextSequence[]) {
    this.free = [...sequences];
    this.ranks = new Map(sequences.map((sequence, index) => [sequence, index]));
  }

  /** The sequence's position in the list the pool was given (its sequence id when taken from a fresh context). */
  rankOf(sequence: LlamaContextSequence): number {
    return this.ranks.get(sequence) ?? 0;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** A sequence, or undefined when the signal aborts first. */
  acquire(tokens: readonly Token[], signal?: AbortSignal): Promise<LlamaContextSequence | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    if (this.free.length > 0) return Promise.resolve(this.takeBest(tokens));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        tokens,
        signal,
        resolve,
        onAbort: () => {
          const index = this.waiting.indexOf(waiter);
          if (index !== -1) this.waiting.splice(index, 1);
          resolve(undefined);
        }
      };
      signal?.addEventListener("abort", waiter.onAbort, {once: true});
      this.waiting.push(waiter);
    });
  }

  release(sequence: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next == null) {
      const rank = this.rankOf(sequence);
      const at = this.free.findIndex((other) => this.rankOf(other) > rank);
      this.free.splice(at === -1 ? this.free.length : at, 0, sequence);
      return;
    }
    next.signal?.removeEventListener("abort", next.onAbort);
    next.resolve(sequence);
  }

  private takeBest(tokens: readonly Token[]): LlamaContextSequence {
    let best = 0;
    let bestShared = -1;
    for (let i = 0; i < this.free.length; i++) {
      const shared = this.free[i]!.compareContextTokens(tokens as Token[]).firstDifferentIndex;
      if (shared > bestShared) {
        best = i;
        bestShared = shared;
      }
    }
    return this.free.splice(best, 1)[0]!;
  }
}
