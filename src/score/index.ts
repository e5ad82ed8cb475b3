/**
 * Scoring answers with a reward model, as h2oGPT's `--score_model`: `loadScoreModel` picks the backend from what
 * the path is (Optimum ONNX folder, GGUF reward model, GGUF reranker, `default`), `scorePairs` applies h2oGPT's
 * cut and sigmoid, `scoreText` formats `Response Score: 87.3%`. See docs/score.md.
 */
export type {ScoreModel, ScorePair} from "./score-types.js";
export {formatPercent, lastCharacters, type ScoreOutcome, scoreText, sigmoid} from "./format-score.js";
export {scorePairs, type ScorePairsOptions, scoreValue} from "./score-pairs.js";
export {DEFAULT_SCORE_MODEL_FILE, defaultScoreModelPath, loadScoreModel, type LoadScoreModelOptions} from "./load-score-model.js";
export {OnnxScoreModel, type OnnxScoreModelOptions} from "./onnx-score-model.js";
export {ScoreModelPathError, ScoreModelRunError} from "./score-errors.js";
export {summarizeScores, type ScoreSummary} from "./summarize-scores.js";
export {type GgufRewardModelOptions, loadGgufRewardModel} from "./gguf-reward-model.js";
export {RankScoreModel, type RankScoreModelOptions} from "./rank-score-model.js";
