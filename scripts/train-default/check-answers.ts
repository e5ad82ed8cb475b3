import {createEngine} from "../../src/engine/index.js";
import {generate} from "../../src/generate/index.js";
import {Random} from "../../src/train/random.js";
import type {FaqEntry} from "./corpus.js";

export interface AnswerCheck {
  readonly question: string;
  readonly expected: string;
  readonly response: string;
  readonly correct: boolean;
}

/** `count` training questions picked with a fixed seed, so every run checks the same ones. */
export function sampleQuestions(entries: readonly FaqEntry[], count: number, seed = 20): {question: string; answer: string}[] {
  const all = entries.flatMap((entry) => entry.questions.map((question) => ({question, answer: entry.answer})));
  return new Random(seed).permutation(all.length).slice(0, count).map((i) => all[i]!);
}

/** Asks the model each question at temperature 0 (the prompt type comes from the model's own metadata). */
export async function checkAnswers(modelPath: string, questions: readonly {question: string; answer: string}[]): Promise<AnswerCheck[]> {
  const engine = await createEngine({baseModel: modelPath});
  try {
    const checks: AnswerCheck[] = [];
    for (const {question, answer} of questions) {
      const result = await generate({engine, instruction: question, temperature: 0, maxNewTokens: 96});
      const response = result.response.trim();
      checks.push({question, expected: answer, response, correct: response === answer});
    }
    return checks;
  } finally {
    await engine.close();
  }
}
