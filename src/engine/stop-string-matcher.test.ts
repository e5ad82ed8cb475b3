import {describe, expect, it} from "vitest";
import {StopStringMatcher} from "./stop-string-matcher.js";

/** Feeds chunks and returns what was released and the stop found. */
function run(stops: string[], chunks: string[]): {text: string; stop?: string} {
  const matcher = new StopStringMatcher(stops);
  let text = "";
  for (const chunk of chunks) {
    const out = matcher.push(chunk);
    text += out.text;
    if (out.stop != null) return {text, stop: out.stop};
  }
  return {text: text + matcher.flush()};
}

/** Every way of cutting `text` into two or three chunks. */
function splits(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let i = 1; i < text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)]);
    for (let j = i + 1; j < text.length; j++) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

describe("StopStringMatcher", () => {
  const humanBot = ["\n<human>:", "\n<bot>:", "<human>:", "<bot>:"];

  it("never releases any part of a stop string, however the text is split", () => {
    const text = " I am a bot.\n<human>: next question";
    for (const chunks of splits(text)) {
      const released: string[] = [];
      const matcher = new StopStringMatcher(humanBot);
      let stop: string | undefined;
      for (const chunk of chunks) {
        const out = matcher.push(chunk);
        released.push(out.text);
        if (out.stop != null) {
          stop = out.stop;
          break;
        }
      }
      expect(released.join(""), JSON.stringify(chunks)).toBe(" I am a bot.");
      expect(stop).toBe("\n<human>:");
      for (const piece of released) expect(piece.includes("<") || piece.endsWith("\n")).toBe(false);
    }
  });

  it("releases held text once it can no longer start a stop string, and at the end", () => {
    expect(run(["<human>:"], ["a <hu", "g b"])).toEqual({text: "a <hug b"});
    expect(run(["<human>:"], ["a <hu"])).toEqual({text: "a <hu"});
    const matcher = new StopStringMatcher(["###"]);
    expect(matcher.push("x#")).toEqual({text: "x"});
    expect(matcher.push("#")).toEqual({text: ""});
    expect(matcher.push("y")).toEqual({text: "##y"});
  });

  it("stops at the earliest stop string, preferring the longer one at the same place", () => {
    expect(run(["B", "A"], ["xxAyyB"])).toEqual({text: "xx", stop: "A"});
    expect(run(["<bot>", "<bot>:"], ["hi <bot>: x"])).toEqual({text: "hi ", stop: "<bot>:"});
    expect(run(["ab", "b"], ["xab"])).toEqual({text: "x", stop: "ab"});
  });

  it("handles overlapping prefixes and stops with repeated characters", () => {
    expect(run(["aab"], ["a", "a", "a", "b", "c"])).toEqual({text: "a", stop: "aab"});
    expect(run(["</s>"], ["<", "/", "s", ">"])).toEqual({text: "", stop: "</s>"});
    expect(run([], ["plain text"])).toEqual({text: "plain text"});
    expect(run([""], ["empty stops are ignored"])).toEqual({text: "empty stops are ignored"});
  });
});
