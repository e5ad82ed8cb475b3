import {DROP_REASONS, type DropReason} from "./drop-reasons.js";
import type {PrepareReport} from "./prepare-report.js";

const BAR_WIDTH = 40;

function n(value: number): string {
  return value.toLocaleString("en-US");
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(1)}%`;
}

function histogramLines(report: PrepareReport, cutoffLen: number | undefined): string[] {
  const bins = report.lengthHistogram;
  if (bins.length === 0) return [];
  const largest = Math.max(...bins.map((bin) => bin.count));
  const labelWidth = String(bins[bins.length - 1]!.to).length;
  const countWidth = n(largest).length;
  return bins.map(({from, to, count}) => {
    const label = `${String(from).padStart(labelWidth)}-${String(to).padStart(labelWidth)}`;
    const bar = "#".repeat(count === 0 ? 0 : Math.max(1, Math.round((BAR_WIDTH * count) / largest)));
    const over = cutoffLen == null || to <= cutoffLen ? "" : from > cutoffLen ? "  over cutoff" : `  <- cutoff ${cutoffLen}`;
    return `  ${label} | ${bar.padEnd(BAR_WIDTH)} ${n(count).padStart(countWidth)}${over}`;
  });
}

/**
 * The report as people read it on stderr: counts, every drop reason with its first file:line examples, truncation,
 * token totals, length percentiles with a text histogram, prompt types and warnings.
 */
export function formatReport(report: PrepareReport, outputs?: {train: string; valid: string}): string {
  const cutoffLen = typeof report.settings.cutoffLen === "number" ? report.settings.cutoffLen : undefined;
  const dropped = Object.values(report.dropped).reduce((sum, count) => sum + (count ?? 0), 0);
  const mb = report.bytes / 1e6;
  const rate = report.seconds > 0 ? `, ${n(Math.round(report.read / report.seconds))} records/s, ${(mb / report.seconds).toFixed(2)} MB/s` : "";
  const lines = [
    `read ${n(report.read)} records from ${report.files.length} file${report.files.length === 1 ? "" : "s"} (${mb.toFixed(1)} MB) in ${report.seconds.toFixed(1)} s${rate}`,
    `wrote ${n(report.written)} rows: train ${n(report.train)}${outputs ? ` -> ${outputs.train}` : ""}, valid ${n(report.valid)}${outputs ? ` -> ${outputs.valid}` : ""}`
  ];
  lines.push(dropped === 0 ? "dropped 0 records" : `dropped ${n(dropped)} records:`);
  for (const [reason, count] of Object.entries(report.dropped) as [DropReason, number][]) {
    lines.push(`  ${reason} (${DROP_REASONS[reason]}): ${n(count)}`);
    const details = report.exampleDetails[reason] ?? [];
    (report.examples[reason] ?? []).forEach((where, i) => lines.push(`    ${where}  ${details[i] ?? ""}`.trimEnd()));
    if (count > (report.examples[reason]?.length ?? 0)) lines.push(`    ... and ${n(count - (report.examples[reason]?.length ?? 0))} more`);
  }
  lines.push(
    `truncated ${n(report.truncated)} rows${cutoffLen != null ? ` to --cutoff_len ${cutoffLen}` : ""}`,
    `tokens ${n(report.tokens)}: trained ${n(report.trainedTokens)} (${percent(report.trainedTokens, report.tokens)}), masked ${n(report.maskedTokens)} (${percent(report.maskedTokens, report.tokens)})`,
    `token lengths before truncation: p50 ${n(report.lengths.p50)}, p90 ${n(report.lengths.p90)}, p99 ${n(report.lengths.p99)}, max ${n(report.lengths.max)}`,
    ...histogramLines(report, cutoffLen)
  );
  const types = Object.entries(report.promptTypes).map(([type, count]) => `${type} ${n(count)}`);
  if (types.length > 0) lines.push(`prompt types: ${types.join(", ")}`);
  if (report.ignoredFiles.length > 0) lines.push(`ignored ${report.ignoredFiles.length} files that are not data: ${report.ignoredFiles.slice(0, 5).join(", ")}${report.ignoredFiles.length > 5 ? ", ..." : ""}`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return lines.join("\n");
}
