import {ChatHistoryError} from "./prompt-errors.js";

/** `[[user, bot], ..., [user, null]]`; a null user marks a non-message entry (an error shown in a UI), skipped. */
export type ChatHistory = readonly (readonly [string | null, string | null | undefined] | readonly (string | null | undefined)[])[];

export interface CheckedHistory {
  /** Earlier exchanges, with their index in the history (h2oGPT's histi). */
  readonly exchanges: readonly {readonly user: string | null; readonly bot: string}[];
  /** The message to answer now. */
  readonly pending: string;
}

function isText(value: unknown): value is string {
  return typeof value === "string";
}

/** Checks the shape and splits off the pending turn. The last entry must be `[user, null]` (or an empty bot). */
export function checkChatHistory(history: ChatHistory, field = "history"): CheckedHistory {
  if (!Array.isArray(history) || history.length === 0)
    throw new ChatHistoryError(field, "expected a non-empty list of [user, bot] pairs ending with [user, null]");
  history.forEach((turn, i) => {
    if (!Array.isArray(turn) || turn.length < 1 || turn.length > 2)
      throw new ChatHistoryError(`${field}[${i}]`, "expected a [user, bot] pair");
    const [user, bot] = turn;
    if (user != null && !isText(user)) throw new ChatHistoryError(`${field}[${i}][0]`, "expected a string or null");
    if (bot != null && !isText(bot)) throw new ChatHistoryError(`${field}[${i}][1]`, "expected a string or null");
  });
  const last = history.length - 1;
  const [pending, answered] = history[last]!;
  if (answered) throw new ChatHistoryError(`${field}[${last}][1]`, "the last turn must be [user, null]: the message to answer");
  if (!isText(pending)) throw new ChatHistoryError(`${field}[${last}][0]`, "the last turn needs the user's message");
  return {
    exchanges: history.slice(0, last).map(([user, bot]) => ({user: user ?? null, bot: bot ?? ""})),
    pending
  };
}
