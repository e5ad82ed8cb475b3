import {scorePairs, scoreText, scoreValue, type ScoreModel} from "../score/index.js";
import type {ChatInput} from "./served-model.js";

/** h2oGPT's score fields on an answer: a number in [0, 1] or null, and the text the UI shows under it. */
export interface AnswerScore {
  readonly score: number | null;
  readonly score_text: string;
}

/**
 * The server's `--score_model`: scores finished answers. A failure is `NA` with the reason on stderr (h2oGPT
 * logs it), never a failed request. Scores are computed one at a time so a burst of answers queues here instead
 * of running several forward passes on the cores generation needs.
 */
export class AnswerScorer {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: ScoreModel,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)
  ) {}

  get name(): string {
    return this.model.name;
  }

  /** @example await scorer.score("What is 2+2?", "4"); // {score: 0.93, score_text: "Response Score: 93.0%"} */
  score(question: string, answer: string): Promise<AnswerScore> {
    const run = this.queue.then(async () => {
      const [outcome] = await scorePairs({
        model: this.model,
        pairs: [{question, answer}],
        onError: (error) => this.log(`score model ${this.model.name}: scoring failed, score NA (${error instanceof Error ? error.message : String(error)})`)
      });
      return {score: scoreValue(outcome!), score_text: scoreText([outcome!])};
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.model.dispose();
  }
}

/**
 * The question an answer is scored against: the last user message (with h2oGPT's iinput under it).
 *
 * @example
 * scoredQuestion({history: [], instruction: "Sum", iinput: "1 2"}); // "Sum\n1 2"
 */
export function scoredQuestion(input: ChatInput): string {
  if ("messages" in input) {
    const last = input.messages.findLast((message) => message.role === "user");
    const content = last?.content as unknown;
    if (typeof content === "string") return content;
    // OpenAI content parts: the text parts joined.
    if (Array.isArray(content)) return content.flatMap((part) => (typeof part?.text === "string" ? [part.text as string] : [])).join("\n");
    return "";
  }
  return input.iinput == null || input.iinput === "" ? input.instruction : `${input.instruction}\n${input.iinput}`;
}
