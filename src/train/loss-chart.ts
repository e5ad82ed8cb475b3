import type {MetricsRecord} from "./metrics.js";

/** Rounded tick values covering [min, max]. */
function ticks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"})[c]!);
}

/**
 * A self-contained SVG of training loss (line) and evaluation loss (dots) against the optimizer step, for
 * `loss.svg` in the output folder: no scripts, fonts or network, viewable in any browser.
 */
export function lossChartSvg(records: readonly MetricsRecord[], title = "h2ogpt finetune"): string {
  const width = 720;
  const height = 400;
  const margin = {left: 64, right: 24, top: 40, bottom: 48};
  const train = records.filter((r) => typeof r.loss === "number" && Number.isFinite(r.loss));
  const evals = records.filter((r) => typeof r.eval_loss === "number" && Number.isFinite(r.eval_loss));
  const values = [...train.map((r) => r.loss!), ...evals.map((r) => r.eval_loss!)];
  const steps = [...train, ...evals].map((r) => r.step);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`
  ];
  if (values.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no steps yet</text>`, "</svg>");
    return parts.join("\n");
  }
  const xMin = Math.min(...steps);
  const xMax = Math.max(...steps, xMin + 1);
  const yMin = Math.min(...values);
  const yMax = Math.max(...values, yMin + 1e-6);
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (step: number) => margin.left + ((step - xMin) / (xMax - xMin)) * plotW;
  const y = (value: number) => margin.top + (1 - (value - yMin) / (yMax - yMin)) * plotH;
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (const value of ticks(yMin, yMax, 5)) {
    const py = y(value).toFixed(1);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${py}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${value}</text>`);
  }
  for (const step of ticks(xMin, xMax, 6).filter(Number.isInteger)) {
    const px = x(step).toFixed(1);
    parts.push(`<text x="${px}" y="${margin.top + plotH + 18}" text-anchor="middle">${step}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">step</text>`);
  parts.push(`<text x="16" y="${margin.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotH / 2})">loss</text>`);
  if (train.length > 0) {
    const points = train.map((r) => `${x(r.step).toFixed(1)},${y(r.loss!).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${points}"/>`);
  }
  for (const r of evals) parts.push(`<circle cx="${x(r.step).toFixed(1)}" cy="${y(r.eval_loss!).toFixed(1)}" r="3.5" fill="#d62728"/>`);
  parts.push(
    `<line x1="${width - 190}" x2="${width - 170}" y1="${margin.top + 12}" y2="${margin.top + 12}" stroke="#1f77b4" stroke-width="2"/>`,
    `<text x="${width - 165}" y="${margin.top + 12}" dominant-baseline="middle">train loss</text>`
  );
  if (evals.length > 0)
    parts.push(
      `<circle cx="${width - 100}" cy="${margin.top + 12}" r="3.5" fill="#d62728"/>`,
      `<text x="${width - 92}" y="${margin.top + 12}" dominant-baseline="middle">eval loss</text>`
    );
  parts.push("</svg>");
  return parts.join("\n");
}
