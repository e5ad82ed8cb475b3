/**
 * A one-reader queue of text deltas between a producer that runs on its own (the engine) and a consumer that may
 * read late, slowly, or not at all. Leaving the `for await` loop early calls `onCancel`, so a reader that loses
 * interest stops the producer.
 */
export class TextChannel implements AsyncIterable<string> {
  private readonly queue: string[] = [];
  private done = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  private iterating = false;

  constructor(private readonly onCancel: () => void = () => undefined) {}

  push(text: string): void {
    if (this.done || text === "") return;
    this.queue.push(text);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.error = error ?? new Error("generation failed");
    this.done = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.iterating) throw new Error("a generation's stream can be read only once");
    this.iterating = true;
    let finished = false;
    try {
      for (;;) {
        if (this.queue.length > 0) {
          // Hand over everything queued at once: a slow reader gets fewer, larger deltas.
          const text = this.queue.join("");
          this.queue.length = 0;
          yield text;
          continue;
        }
        if (this.done) {
          finished = true;
          if (this.error !== undefined) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!finished) this.onCancel();
    }
  }
}
