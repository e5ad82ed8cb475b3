import {describe, expect, it} from "vitest";
import {SseParser} from "./sse-parser.js";

describe("SseParser", () => {
  it("parses events split at any point, with every line ending", () => {
    const text = 'event: start\ndata: {"a":1}\n\n: comment\r\ndata: line one\r\ndata: line two\r\n\r\nevent: done\rdata: x\r\r';
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      events.push(...parser.end());
      expect(events, `chunks of ${size}`).toEqual([
        {event: "start", data: '{"a":1}'},
        {event: "message", data: "line one\nline two"},
        {event: "done", data: "x"}
      ]);
    }
  });

  it("drops an event the stream cut off", () => {
    const parser = new SseParser();
    expect(parser.push("event: delta\ndata: {\"text\":")).toEqual([]);
    expect(parser.end()).toEqual([]);
  });
});
