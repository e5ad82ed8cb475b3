import {describe, expect, it} from "vitest";
import {formatReport} from "./format-report.js";
import {ReportCollector} from "./prepare-report.js";

describe("ReportCollector and formatReport", () => {
  it("computes exact percentiles, a histogram with round bins and the drop examples", () => {
    const collector = new ReportCollector(["a.jsonl"], []);
    for (let length = 1; length <= 100; length++) collector.length(length * 10);
    collector.read = 103;
    collector.train = 100;
    for (let i = 0; i < 100; i++) collector.written({promptType: "human_bot", length: 10, masked: 4, truncated: i < 3});
    for (let line = 1; line <= 7; line++) collector.drop("malformed_json", {file: "a.jsonl", line}, "bad");
    const report = collector.report({cutoffLen: 512});
    expect(report.lengths).toEqual({p50: 500, p90: 900, p99: 990, max: 1000});
    expect(report.lengthHistogram[0]).toEqual({from: 0, to: 99, count: 9});
    expect(report.lengthHistogram.at(-1)).toEqual({from: 1000, to: 1099, count: 1});
    expect(report).toMatchObject({written: 100, truncated: 3, tokens: 1000, trainedTokens: 600, maskedTokens: 400, dropped: {malformed_json: 7}});
    expect(report.examples.malformed_json).toEqual(["a.jsonl:1", "a.jsonl:2", "a.jsonl:3", "a.jsonl:4", "a.jsonl:5"]);

    const text = formatReport(report);
    expect(text).toContain("dropped 7 records:\n  malformed_json (not valid JSON): 7\n    a.jsonl:1  bad\n");
    expect(text).toContain("    a.jsonl:5  bad\n    ... and 2 more\n");
    expect(text).toContain("tokens 1,000: trained 600 (60.0%), masked 400 (40.0%)");
    expect(text).toContain("token lengths before truncation: p50 500, p90 900, p99 990, max 1,000");
    expect(text).toContain(`   500- 599 | ${"#".repeat(40)} 10  <- cutoff 512`);
    expect(text).toContain("   600- 699 |");
    expect(text.split("\n").find((line) => line.startsWith("   600- 699"))).toMatch(/over cutoff$/);
  });
});
