/**
 * Finds stop strings in streamed text. Text that could still turn out to be the start of a stop string is held
 * back, so no part of a stop string is ever released, however the text is split into chunks.
 */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  private held = "";

  constructor(stops: readonly string[]) {
    this.stops = [...new Set(stops.filter((s) => s.length > 0))];
  }

  /**
   * Adds text; returns what is safe to release and, when a stop string is complete, which one (the one that
   * starts earliest; the longer one on a tie).
   */
  push(text: string): {readonly text: string; readonly stop?: string} {
    const buffer = this.held + text;
    let at = -1;
    let found: string | undefined;
    for (const stop of this.stops) {
      const index = buffer.indexOf(stop);
      if (index !== -1 && (at === -1 || index < at || (index === at && stop.length > found!.length))) {
        at = index;
        found = stop;
      }
    }
    if (found != null) {
      this.held = "";
      return {text: buffer.slice(0, at), stop: found};
    }
    const keep = this.partialSuffixLength(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return {text: buffer.slice(0, buffer.length - keep)};
  }

  /** Releases held text at the end of generation (it was not a stop string after all). */
  flush(): string {
    const text = this.held;
    this.held = "";
    return text;
  }

  /** The length of the longest end of `buffer` that is a proper prefix of some stop string. */
  private partialSuffixLength(buffer: string): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, buffer.length); length > best; length--) {
        if (buffer.endsWith(stop.slice(0, length))) {
          best = length;
          break;
        }
      }
    }
    return best;
  }
}
