import type {PromptFormat} from "./prompt-format.js";

/** The strings one turn is built from: h2oGPT's get_prompt() output for that turn's position. */
export interface TurnParts {
  readonly promptA: string | null;
  readonly promptB: string | null;
  readonly preInstruct: string | null;
  readonly preInput: string | null;
  readonly preResponse: string | null;
  readonly chatSep: string;
  readonly chatTurnSep: string;
}

/**
 * Where a turn sits. `reduced`: a history turn, or the current turn when history exists (no preamble).
 * `makingContext`: a history turn (its response marker looks generated). `histi`: its index in the history,
 * -1 for the current turn.
 */
export interface TurnPosition {
  readonly reduced: boolean;
  readonly makingContext: boolean;
  readonly histi: number;
  /** The record has a context; human_bot_orig then leaves out its date lines, as h2oGPT does. */
  readonly hasContext?: boolean;
}

const PLACEHOLDER = /\{(system|systemBlock|date)\}/g;

function isFirstTurn(rule: "llama2" | "orion", position: TurnPosition): boolean {
  if (rule === "orion") return !position.reduced || position.histi === 0;
  return (position.makingContext && position.histi === 0) || (!position.makingContext && !position.reduced);
}

export function turnParts(format: PromptFormat, position: TurnPosition): TurnParts {
  const {row, systemPrompt} = format;
  const values: Record<string, string> = {
    system: systemPrompt,
    systemBlock: systemPrompt ? row.systemBlock.replace("{system}", () => systemPrompt) : "",
    date: position.hasContext ? "" : format.date
  };
  // A replacer function, so `$` in a system prompt is never read as a replacement pattern.
  const fill = (text: string | null): string | null =>
    text == null || !row.hasPlaceholders ? text : text.replace(PLACEHOLDER, (_, name: string) => values[name]!);
  const preamble = (text: string | null): string | null => (position.reduced ? (text == null ? null : "") : fill(text));
  const first = row.firstPreInstruct != null && isFirstTurn(row.firstTurnRule, position);
  return {
    promptA: preamble(row.promptA),
    promptB: preamble(row.promptB),
    preInstruct: first ? fill(row.firstPreInstruct) : row.preInstruct,
    preInput: row.preInput,
    preResponse: position.makingContext && row.historyPreResponse != null ? row.historyPreResponse : row.preResponse,
    chatSep: row.chatSep,
    chatTurnSep: row.chatTurnSep
  };
}
