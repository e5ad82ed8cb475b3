import type {ResolvedSampling} from "./sampling-options.js";

export interface ChooseTokenOptions {
  /** The model's next-token distribution (token -> probability). */
  readonly probabilities: ReadonlyMap<number, number>;
  /** Tokens that must not be chosen (end-of-generation tokens before min_new_tokens). */
  readonly isExcluded: (token: number) => boolean;
  readonly sampling: ResolvedSampling;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/**
 * Picks the next token with some tokens removed first, as HF's MinNewTokensLengthLogitsProcessor does before
 * sampling: greedy takes the most likely remaining token; sampling applies temperature, top_k and top_p to the
 * rest, then min_p (HF's order). Undefined when nothing remains.
 */
export function chooseToken({probabilities, isExcluded, sampling, random}: ChooseTokenOptions): number | undefined {
  let candidates: [number, number][] = [];
  for (const [token, probability] of probabilities) if (!isExcluded(token) && probability > 0) candidates.push([token, probability]);
  if (candidates.length === 0) return undefined;
  if (sampling.greedy) return candidates.reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];

  // Temperature on probabilities: softmax(logit / T) is proportional to p^(1/T); computed in log space.
  const scaled = candidates.map(([token, p]): [number, number] => [token, Math.log(p) / sampling.temperature]);
  const top = Math.max(...scaled.map(([, logit]) => logit));
  candidates = scaled.map(([token, logit]): [number, number] => [token, Math.exp(logit - top)]).sort((a, b) => b[1] - a[1]);
  if (sampling.topK > 0) candidates = candidates.slice(0, sampling.topK);
  let total = candidates.reduce((sum, [, w]) => sum + w, 0);
  if (sampling.topP < 1) {
    let kept = 0;
    let cumulative = 0;
    while (kept < candidates.length && cumulative < sampling.topP * total) cumulative += candidates[kept++]![1];
    candidates = candidates.slice(0, Math.max(1, kept));
    total = candidates.reduce((sum, [, w]) => sum + w, 0);
  }
  if (sampling.minP > 0) {
    // Sorted, so the first weight is the largest.
    const floor = sampling.minP * candidates[0]![1];
    candidates = candidates.filter(([, w]) => w >= floor);
    total = candidates.reduce((sum, [, w]) => sum + w, 0);
  }
  let target = random() * total;
  for (const [token, weight] of candidates) {
    target -= weight;
    if (target < 0) return token;
  }
  return candidates.at(-1)![0];
}
