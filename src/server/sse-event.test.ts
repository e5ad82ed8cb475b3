import {describe, expect, it} from "vitest";
import {jsonEvent, textEnvelope} from "./sse-event.js";

describe("jsonEvent / textEnvelope", () => {
  it("writes an event as hono's writeSSE does for one line of data", () => {
    expect(jsonEvent('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(jsonEvent('{"text":"x"}', "delta")).toBe('event: delta\ndata: {"text":"x"}\n\n');
  });

  it("gives the same JSON as serializing the whole envelope, for any text", () => {
    const serialize = (text: string): string => JSON.stringify({id: "cmpl-1", model: 'm "q"', choices: [{index: 2, delta: {content: text}, finish_reason: null}]});
    const delta = textEnvelope(serialize);
    for (const text of ["", "plain", 'quo"te', "line\nbreak", "\u2028\u0000", "é🙂", "\\u0000"]) {
      expect(delta(text)).toBe(serialize(text));
      expect(jsonEvent(delta(text)).split("\n").length).toBe(3);
    }
  });

  it("falls back to serializing each time when the envelope holds the marker elsewhere", () => {
    const serialize = (text: string): string => JSON.stringify({echo: text, text});
    expect(textEnvelope(serialize)("hi")).toBe('{"echo":"hi","text":"hi"}');
  });
});
