import {type ScoreOutcome, lastCharacters, sigmoid} from "./format-score.js";
import type {ScoreModel, ScorePair} from "./score-types.js";

export interface ScorePairsOptions {
  readonly model: ScoreModel;
  readonly pairs: readonly ScorePair[];
  /** Told why scoring failed when the outcome is `NA` (h2oGPT logs it and shows NA). */
  readonly onError?: (error: unknown) => void;
}

/**
 * h2oGPT's scoring of (question, answer) pairs: an empty question is `Bad Question`, an empty answer
 * `Bad Answer`, otherwise both are cut to their last `4 * maxLength` characters and the score is
 * sigmoid(logit). A model failure makes every pair of the call `NA` (reported to `onError`), never a throw.
 *
 * @example
 * await scorePairs({model, pairs: [{question: "2+2?", answer: "4"}, {question: "", answer: "x"}]}); // [0.93, "Bad Question"]
 */
export async function scorePairs(options: ScorePairsOptions): Promise<ScoreOutcome[]> {
  const {model} = options;
  const cut = 4 * model.maxLength;
  const outcomes: ScoreOutcome[] = options.pairs.map((pair) => (pair.question === "" ? "Bad Question" : pair.answer === "" ? "Bad Answer" : Number.NaN));
  const toScore = options.pairs.flatMap((pair, index) => (Number.isNaN(outcomes[index]) ? [{index, pair: {question: lastCharacters(pair.question, cut), answer: lastCharacters(pair.answer, cut)}}] : []));
  if (toScore.length === 0) return outcomes;
  try {
    const logits = await model.logits(toScore.map((item) => item.pair));
    toScore.forEach((item, k) => {
      const logit = logits[k];
      if (typeof logit === "number" && Number.isFinite(logit)) outcomes[item.index] = sigmoid(logit);
      else {
        options.onError?.(new Error(`the model gave ${String(logit)} as the logit of pair ${item.index}`));
        outcomes[item.index] = "NA";
      }
    });
  } catch (error) {
    options.onError?.(error);
    for (const item of toScore) outcomes[item.index] = "NA";
  }
  return outcomes;
}

/**
 * The number in an outcome, or null for NA / Bad Question / Bad Answer (the `"score"` field of our JSON).
 *
 * @example
 * scoreValue("NA"); // null
 */
export function scoreValue(outcome: ScoreOutcome): number | null {
  return typeof outcome === "number" ? outcome : null;
}
