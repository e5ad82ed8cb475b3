import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {lossChartSvg} from "./loss-chart.js";
import {appendMetrics, readMetrics, truncateMetrics} from "./metrics.js";

describe("metrics and the loss chart", () => {
  it("draws train loss as a line and eval loss as dots", () => {
    const svg = lossChartSvg([
      {step: 1, epoch: 0.5, loss: 3},
      {step: 2, epoch: 1, loss: 2, eval_loss: undefined},
      {step: 2, epoch: 1, eval_loss: 2.5}
    ]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("<polyline");
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).not.toContain("<script");
    expect(lossChartSvg([])).toContain("no steps yet");
  });

  it("truncates metrics past a resumed checkpoint", async () => {
    const dir = await mkdtemp(join(tmpdir(), "h2ogpt-metrics-"));
    const path = join(dir, "metrics.jsonl");
    for (const step of [1, 2, 3]) await appendMetrics(path, {step, epoch: step, loss: step});
    await writeFile(path, (await readFile(path, "utf8")) + "not json\n");
    await truncateMetrics(path, 2);
    expect((await readMetrics(path)).map((r) => r.step)).toEqual([1, 2]);
    await rm(dir, {recursive: true, force: true});
  });
});
