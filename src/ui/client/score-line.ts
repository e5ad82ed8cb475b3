import {h} from "./dom.js";
import type {AnswerMeta} from "./types.js";

/**
 * h2oGPT's score line under an answer (`Response Score: 87.3%`) when the server runs with --score_model. The
 * server scores an answer after it finished, so the line appears a moment after the text, and stays with the
 * answer in the chat history.
 */
export function createScoreLine(): HTMLElement {
  const line = h("p", {className: "score-line"});
  line.hidden = true;
  return line;
}

/** Shows the answer's score text, or hides the line when the answer has none. */
export function showScore(line: HTMLElement, meta: AnswerMeta | null): void {
  const text = meta?.scoreText;
  line.hidden = text == null;
  line.textContent = text ?? "";
}
