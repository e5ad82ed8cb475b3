import type {TurnParts} from "./turn-parts.js";

/** One training/inference record, h2oGPT's data point. */
export interface PromptRecord {
  readonly instruction?: string | null;
  readonly input?: string | null;
  readonly output?: string | null;
  /** Text put before everything else (h2oGPT's data point context). */
  readonly context?: string | null;
}

/**
 * h2oGPT's generate_prompt() without the output: context, preamble, the turn's text by the first of h2oGPT's
 * cases that applies (followed by chat_sep), then the response marker. h2oGPT has two more cases
 * (input + instruction with only one marker set) that the earlier ones always catch.
 */
export function assemblePrompt(parts: TurnParts, record: PromptRecord): string {
  const instruction = record.instruction ?? "";
  const input = record.input ?? "";
  const {preInstruct, preInput} = parts;
  let prompt = record.context ?? "";
  if (input && parts.promptA) prompt += parts.promptA;
  else if (parts.promptB) prompt += parts.promptB;

  let turn: string | undefined;
  if (instruction && preInstruct != null && input && preInput != null) turn = preInstruct + instruction + preInput + input;
  else if (instruction && input && preInstruct == null && preInput != null) turn = `${preInput}${instruction}\n${input}`;
  else if (input && instruction && preInput == null && preInstruct != null) turn = `${preInstruct}${instruction}\n${input}`;
  else if (instruction && preInstruct != null) turn = preInstruct + instruction;
  else if (input && preInput != null) turn = preInput + input;
  else if (input && instruction) turn = `${instruction}: ${input}`;
  else if (input) turn = input;
  else if (instruction) turn = instruction;
  if (turn != null) prompt += turn + parts.chatSep;

  return prompt + (parts.preResponse ?? "");
}
