import {resolve} from "node:path";
import type {NormalizedRecord} from "../data/index.js";
import {normalizeConversation} from "../prompts/index.js";
import {loadScoreModel, scorePairs, scoreText, scoreValue, type ScoreModel, type ScorePair, type ScoreSummary} from "../score/index.js";
import type {CommandIo} from "./command.js";

export const SCORE_FLAGS = {
  score_model: {
    kind: "string",
    description: "score each answer with a reward model: a folder with Optimum's model.onnx + tokenizer.json + config.json, a GGUF reward model or reranker, or 'default' (the shipped one); '' disables",
    defaultText: "''"
  }
} as const;

/** The score model `--score_model` names, or undefined when scoring is off (unset or ''). */
export async function openScoreModel(flags: {score_model?: string; n_threads?: number}, io: CommandIo): Promise<ScoreModel | undefined> {
  const path = flags.score_model?.trim() ?? "";
  if (path === "") return undefined;
  return loadScoreModel({path: path === "default" ? path : resolve(io.cwd, path), threads: flags.n_threads});
}

/** h2oGPT's JSON fields for one answer's score: a number in [0, 1] or null, and the text shown under it. */
export interface ScoreFields {
  readonly score: number | null;
  readonly score_text: string;
}

/** Scores pairs; a model failure is `NA` with the reason on stderr, never a failed command. */
export async function scoreFields(model: ScoreModel, pairs: readonly ScorePair[], io: CommandIo, command: string): Promise<ScoreFields[]> {
  const outcomes = await scorePairs({model, pairs, onError: (error) => io.stderr.write(`h2ogpt ${command}: scoring failed, score NA (${(error as Error).message ?? String(error)})\n`)});
  return outcomes.map((outcome) => ({score: scoreValue(outcome), score_text: scoreText([outcome])}));
}

/** The summary's lines: count, mean, median and a 10-bin histogram. */
export function summaryText(summary: ScoreSummary): string {
  const percent = (value: number | null) => (value === null ? "n/a" : `${(value * 100).toFixed(1)}%`);
  const widest = Math.max(1, ...summary.histogram);
  const bars = summary.histogram.map((count, k) => {
    const range = `${String(k * 10).padStart(3)}-${String((k + 1) * 10).padStart(3)}%`;
    return `  ${range} ${String(count).padStart(6)} ${"#".repeat(Math.round((count / widest) * 40))}`;
  });
  const missing = summary.missing > 0 ? ` (${summary.missing} without a score)` : "";
  return [`scored ${summary.count} pair(s)${missing}: mean ${percent(summary.mean)}, median ${percent(summary.median)}`, ...bars].join("\n");
}

/** The (question, answer) a record holds, or why it holds none. */
export function recordPair(record: NormalizedRecord): ScorePair | string {
  if (record.kind === "text") return "a text record has no question and answer (give instruction/output or messages)";
  if (record.kind === "instruction") {
    return {question: record.input === "" ? record.instruction : `${record.instruction}\n${record.input}`, answer: record.output};
  }
  const messages = normalizeConversation(record.turns, record.field);
  const last = messages.findLastIndex((message) => message.role === "user");
  if (last === -1) return `${record.field}: has no user message`;
  const reply = messages.slice(last + 1).find((message) => message.role === "assistant");
  return {question: messages[last]!.content, answer: reply?.content ?? ""};
}
