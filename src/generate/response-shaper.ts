import {StopStringMatcher} from "../engine/index.js";

export interface ResponseShaperOptions {
  /** The prompt type's model starts its answer with a space that is not part of the response (human_bot). */
  readonly dropLeadingSpace: boolean;
  /** Strings that end a response; text that may be the start of one is held back until it cannot be. */
  readonly stop: readonly string[];
  /** Partial tags removed from the very end of a response (h2oGPT's `<human`, `<bot` ...). */
  readonly trailingPartialTags: readonly string[];
}

/**
 * Turns an engine's text deltas into response deltas, as h2oGPT's get_response shapes the final text: the
 * leading space some formats generate is dropped, no part of a stop string is ever released, and a partial tag
 * left at the end is removed. The deltas always add up to `text`.
 */
export class ResponseShaper {
  private readonly matcher: StopStringMatcher;
  private started = false;
  private stopped = false;
  text = "";

  constructor(private readonly options: ResponseShaperOptions) {
    this.matcher = new StopStringMatcher(options.stop);
  }

  /** The part of `delta` that is safe to show now. */
  push(delta: string): string {
    if (this.stopped) return "";
    const {text, stop} = this.matcher.push(delta);
    if (stop != null) this.stopped = true;
    return this.release(text);
  }

  /** What is left at the end of generation. */
  finish(): string {
    if (this.stopped) return "";
    this.stopped = true;
    // A partial tag is a prefix of a stop string, so it is still held back here, never already shown.
    let rest = this.matcher.flush();
    const tag = this.options.trailingPartialTags.find((candidate) => candidate !== "" && rest.endsWith(candidate));
    if (tag != null) rest = rest.slice(0, rest.length - tag.length);
    return this.release(rest);
  }

  private release(text: string): string {
    if (!this.started && text !== "") {
      this.started = true;
      if (this.options.dropLeadingSpace && text.startsWith(" ")) text = text.slice(1);
    }
    this.text += text;
    return text;
  }
}
