import {PassThrough} from "node:stream";
import {describe, expect, it} from "vitest";
import {createProgress} from "./progress.js";

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), {isTTY, columns: 100});
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return {stream, text: () => text};
}

describe("createProgress", () => {
  it("writes plain lines at most every interval when the stream is not a terminal", () => {
    let t = 0;
    const out = capture(false);
    const progress = createProgress({stream: out.stream, label: "prepare", total: 100, unit: "rec", intervalMs: 5000, now: () => t});
    progress.update(0);
    t = 1000;
    progress.update(10);
    t = 6000;
    progress.update(60, "loss 2.5");
    progress.finish();
    const lines = out.text().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("prepare  0/100 (0.0%)  0.0 rec/s  ETA ?  elapsed 0s");
    expect(lines[1]).toBe("prepare  60/100 (60.0%)  10.0 rec/s  ETA 4s  elapsed 6s  loss 2.5");
  });

  it("does not claim a rate before a second has passed", () => {
    let t = 0;
    const out = capture(false);
    const progress = createProgress({stream: out.stream, label: "finetune", total: 575, now: () => t});
    t = 1;
    progress.update(1);
    expect(out.text()).toContain("0.0/s  ETA ?");
  });

  it("redraws one line with a bar on a terminal and ends it with a newline", () => {
    let t = 0;
    const out = capture(true);
    const progress = createProgress({stream: out.stream, label: "train", total: 4, now: () => t});
    t = 2000;
    progress.update(2);
    progress.finish();
    expect(out.text()).toMatch(/^\rtrain  \[#{12}-{12}\]  2\/4 \(50\.0%\)/);
    expect(out.text().endsWith("\n")).toBe(true);
  });
});

describe("createProgress in a log", () => {
  it("does not repeat the last line when finish() follows an update", () => {
    const out = capture(false);
    const progress = createProgress({stream: out.stream, label: "prepare", now: () => 0});
    progress.update(3, "records 3");
    progress.finish();
    expect(out.text().trimEnd().split("\n")).toHaveLength(1);
  });
});
