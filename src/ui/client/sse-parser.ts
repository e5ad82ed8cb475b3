/** One server-sent event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Incremental server-sent-events parser (the UI posts with fetch, so EventSource cannot be used). Feed it text
 * as it arrives in any chunking; it returns the events completed so far. Handles \n, \r\n and \r line ends,
 * multi-line data, comments, and events without a name ("message").
 */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (match == null || (match[0] === "\r" && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event != null) events.push(event);
    }
    return events;
  }

  /** At the end of the stream: a final lone \r was a line end after all. An unterminated event is dropped, as the spec says. */
  end(): SseEvent[] {
    const events = this.buffer.endsWith("\r") ? this.push("\n") : [];
    this.buffer = "";
    this.event = "";
    this.data = [];
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") {
      if (this.data.length === 0 && this.event === "") return undefined;
      const event = {event: this.event || "message", data: this.data.join("\n")};
      this.event = "";
      this.data = [];
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    return undefined;
  }
}
