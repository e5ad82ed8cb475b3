/**
 * A streaming shuffle (the approach of Hugging Face's `IterableDataset.shuffle(buffer_size)` and tf.data): items
 * fill a buffer of `bufferSize`, and each new item swaps out a random one, so memory stays at one buffer. It is a
 * local shuffle: an item moves at most about `bufferSize` places earlier, and can move arbitrarily later.
 * Deterministic for a given `random`.
 */
export function* shuffleBuffered<T>(items: Iterable<T>, bufferSize: number, random: () => number, buffer: T[] = []): Generator<T> {
  for (const item of items) {
    if (buffer.length < bufferSize) {
      buffer.push(item);
      continue;
    }
    const j = Math.floor(random() * bufferSize);
    yield buffer[j]!;
    buffer[j] = item;
  }
}

/** Empties what `shuffleBuffered` kept, in random order. */
export function* drainShuffled<T>(buffer: T[], random: () => number): Generator<T> {
  for (let i = buffer.length - 1; i >= 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [buffer[i], buffer[j]] = [buffer[j]!, buffer[i]!];
    yield buffer[i]!;
  }
  buffer.length = 0;
}
