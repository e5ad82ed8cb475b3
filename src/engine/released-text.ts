import {StopStringMatcher} from "./stop-string-matcher.js";

/**
 * A generation's visible text: generated pieces pass the stop-string matcher, and what it releases is kept and
 * emitted, so no part of a stop string ever shows, however the pieces are split.
 */
export class ReleasedText {
  /** Everything released so far. */
  text = "";
  /** The stop string that ended the text, once one has. */
  stopString: string | undefined;
  private readonly matcher: StopStringMatcher;

  constructor(
    stops: readonly string[],
    private readonly emit: (delta: string) => void
  ) {
    this.matcher = new StopStringMatcher(stops);
  }

  /** Adds a generated piece; true when it completed a stop string (nothing from there on is released). */
  push(piece: string): boolean {
    if (piece === "") return false;
    const matched = this.matcher.push(piece);
    this.release(matched.text);
    if (matched.stop == null) return false;
    this.stopString = matched.stop;
    return true;
  }

  /** Ends the text without a stop string: what was held back as a possible start of one is released. */
  flush(): void {
    this.release(this.matcher.flush());
  }

  private release(delta: string): void {
    if (delta === "") return;
    this.text += delta;
    this.emit(delta);
  }
}
