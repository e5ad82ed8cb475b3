/**
 * h2oGPT's score line: `Response Score: {:.1%}` (Python formatting: the value times 100, one decimal, ties to
 * even on the exact binary value), `Disabled`, `NA`, `Bad Question`, `Bad Answer`; several models give
 * `Response Scores: ` and the scores joined by spaces.
 */

/** One pair's result: a score in [0, 1], or why there is none. */
export type ScoreOutcome = number | "NA" | "Bad Question" | "Bad Answer";

/** The exact decimal digits of a finite non-negative double: [integer digits, fraction digits]. */
function exactDecimal(value: number): [string, string] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent = exponentBits - 1075;
  if (exponentBits === 0) exponent = -1074;
  else mantissa |= 1n << 52n;
  if (exponent >= 0) return [(mantissa << BigInt(exponent)).toString(), ""];
  // mantissa / 2^k = mantissa * 5^k / 10^k: exactly k fraction digits.
  const k = -exponent;
  const digits = (mantissa * 5n ** BigInt(k)).toString().padStart(k + 1, "0");
  return [digits.slice(0, digits.length - k), digits.slice(digits.length - k)];
}

/**
 * Python's `'{:.1%}'.format(value)`.
 *
 * @example
 * formatPercent(0.873); // "87.3%"
 * formatPercent(0.0025); // "0.2%" (0.25 is a tie: to even)
 */
export function formatPercent(value: number): string {
  if (Number.isNaN(value)) return "nan%";
  if (!Number.isFinite(value)) return value > 0 ? "inf%" : "-inf%";
  const scaled = value * 100;
  const negative = scaled < 0 || Object.is(scaled, -0);
  const [whole, fraction] = exactDecimal(Math.abs(scaled));
  let kept = BigInt(whole + (fraction[0] ?? "0"));
  const rest = fraction.slice(1);
  const firstRest = rest[0] ?? "0";
  const tie = firstRest === "5" && /^0*$/.test(rest.slice(1));
  if (firstRest > "5" || (firstRest === "5" && !tie) || (tie && kept % 2n === 1n)) kept += 1n;
  const text = kept.toString().padStart(2, "0");
  return `${negative ? "-" : ""}${text.slice(0, -1)}.${text.slice(-1)}%`;
}

function outcomeText(outcome: ScoreOutcome): string {
  return typeof outcome === "number" ? formatPercent(outcome) : outcome;
}

/**
 * The text h2oGPT shows under an answer for the outcomes of one or more score models (none: `Disabled`).
 *
 * @example
 * scoreText([0.873]); // "Response Score: 87.3%"
 * scoreText([]); // "Response Score: Disabled"
 * scoreText([0.5, "NA"]); // "Response Scores: 50.0% NA"
 */
export function scoreText(outcomes: readonly ScoreOutcome[]): string {
  if (outcomes.length === 0) return "Response Score: Disabled";
  if (outcomes.length === 1) return `Response Score: ${outcomeText(outcomes[0]!)}`;
  return `Response Scores: ${outcomes.map(outcomeText).join(" ")}`;
}

/** @example sigmoid(0); // 0.5 */
export function sigmoid(logit: number): number {
  return logit >= 0 ? 1 / (1 + Math.exp(-logit)) : Math.exp(logit) / (1 + Math.exp(logit));
}

/**
 * The last `maxChars` characters (code points, as Python's `text[-n:]`), h2oGPT's cut before tokenizing.
 *
 * @example
 * lastCharacters("abcdef", 2); // "ef"
 */
export function lastCharacters(text: string, maxChars: number): string {
  if (maxChars <= 0) return "";
  if (text.length <= maxChars) return text;
  let start = text.length;
  for (let count = 0; count < maxChars && start > 0; count++) {
    start--;
    const unit = text.charCodeAt(start);
    if (unit >= 0xdc00 && unit <= 0xdfff && start > 0) {
      const lead = text.charCodeAt(start - 1);
      if (lead >= 0xd800 && lead <= 0xdbff) start--;
    }
  }
  return text.slice(start);
}
