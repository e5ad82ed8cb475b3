import {assemblePrompt} from "./assemble-prompt.js";
import {checkChatHistory, type ChatHistory, type CheckedHistory} from "./chat-history.js";
import {chooseSystemPlacement, templateStopStrings, type ChatMessage, type ChatTemplate} from "./chat-template.js";
import {FAKE_SYSTEM_TURN_USER} from "./fake-system-turn.js";
import {inputTakesInstructionPlace} from "./input-takes-instruction-place.js";
import {MissingChatTemplateError, TemplateContextError} from "./prompt-errors.js";
import {promptFormat, type PromptFormat, type PromptFormatOptions} from "./prompt-format.js";
import {formatStopStrings} from "./stop-strings.js";
import {turnParts} from "./turn-parts.js";

export interface ChatPromptOptions extends PromptFormatOptions {
  /**
   * `[[user, bot], ..., [user, null]]`, oldest first. To fit a context, re-render with older exchanges
   * removed: the system prompt and its placement are re-applied each time, never dropped.
   */
  readonly history: ChatHistory;
  /**
   * h2oGPT's iinput: extra input for the pending message, placed with the prompt type's own input marker
   * (PreInput), with or without earlier exchanges. With a chat template it follows the message on a new line.
   */
  readonly input?: string;
  /**
   * h2oGPT's context: text put verbatim before the conversation, typically an earlier conversation already
   * rendered in this format. Without earlier exchanges it precedes the single-turn prompt (the training string's
   * prompt); with them it is the start of the history text, after the preamble. Refused with a chat template.
   */
  readonly context?: string;
  /** Used when prompt_type is unknown/template/'' (h2oGPT ignores it for other types, and so do we). */
  readonly chatTemplate?: ChatTemplate;
  /**
   * A system prompt the format has no place for is sent as a first exchange
   * ("Who are you and what do you do?", system prompt), as h2oGPT's allow_chat_system_prompt (default true).
   */
  readonly allowChatSystemPrompt?: boolean;
}

export interface ChatPrompt {
  readonly prompt: string;
  /** Strings that end the response (see stopStrings), plus a template's eos and end-of-turn markers. */
  readonly stop: readonly string[];
  readonly promptType: string;
  /** The effective system prompt ('' when none). */
  readonly systemPrompt: string;
  /** The system prompt went in as a first exchange instead of the format's own place. */
  readonly fakeSystemTurn: boolean;
  /** History exchanges rendered (not counting the fake system exchange or the pending message). */
  readonly historyTurns: number;
  readonly usedChatTemplate: boolean;
}

/** h2oGPT's history_to_context: each earlier exchange as a reduced turn that ends with chat_turn_sep. */
function historyContext(format: PromptFormat, exchanges: CheckedHistory["exchanges"]): string {
  let context = "";
  exchanges.forEach(({user, bot}, histi) => {
    if (user == null) return;
    const parts = turnParts(format, {reduced: true, makingContext: true, histi});
    let turn = assemblePrompt(parts, {instruction: user, input: ""}) + bot;
    if (!turn.endsWith(parts.chatTurnSep)) turn += parts.chatTurnSep;
    context += turn;
  });
  return context;
}

/** The pending message: h2oGPT's data point for the current turn. */
interface CurrentTurn {
  readonly instruction: string;
  readonly input: string;
  readonly context: string;
}

/**
 * Prompter.generate_prompt as gen.py's get_limited_prompt calls it. No history: the context, then the full
 * single turn. History: the preamble (promptA when there is an input, else promptB) once in front, then the
 * context and the history text, then the current turn reduced.
 */
function formatPrompt(format: PromptFormat, history: CheckedHistory, current: CurrentTurn): string {
  const historyText = historyContext(format, history.exchanges);
  const hasContext = current.context !== "" || historyText !== "";
  if (historyText === "") return assemblePrompt(turnParts(format, {reduced: false, makingContext: false, histi: -1, hasContext}), current);
  const full = turnParts(format, {reduced: false, makingContext: false, histi: -1});
  const preamble = (current.input && full.promptA ? full.promptA : full.promptB) ?? "";
  const turn = assemblePrompt(turnParts(format, {reduced: true, makingContext: false, histi: -1, hasContext}), {
    ...current,
    context: current.context + historyText
  });
  return preamble + turn;
}

function templateTurns(history: CheckedHistory, message: string): ChatMessage[] {
  const turns: ChatMessage[] = [];
  for (const {user, bot} of history.exchanges) {
    if (user == null) continue;
    turns.push({role: "user", content: user}, {role: "assistant", content: bot});
  }
  turns.push({role: "user", content: message});
  return turns;
}

/**
 * A chat prompt from history: h2oGPT's history_to_context + Prompter.generate_prompt for a prompt type, or the
 * model's chat template for unknown/template (with add_generation_prompt and h2oGPT's system-prompt fallback).
 */
export function renderChatPrompt(options: ChatPromptOptions): ChatPrompt {
  const format = promptFormat(options);
  const checked = checkChatHistory(options.history);
  const historyTurns = checked.exchanges.filter((exchange) => exchange.user != null).length;
  const {row, systemPrompt} = format;
  const input = options.input ?? "";
  const context = options.context ?? "";

  if (row.usesChatTemplate) {
    if (options.chatTemplate == null) throw new MissingChatTemplateError(row.name);
    if (context !== "") throw new TemplateContextError(row.name);
    // h2oGPT's Prompter drops iinput with a chat template; it joins the message as in template training strings.
    const message = [checked.pending, input].filter(Boolean).join("\n");
    const placement = chooseSystemPlacement({chatTemplate: options.chatTemplate, systemPrompt, turns: templateTurns(checked, message)});
    return {
      prompt: placement.text,
      stop: formatStopStrings(format, templateStopStrings(options.chatTemplate)),
      promptType: row.name,
      systemPrompt,
      fakeSystemTurn: placement.fakeSystemTurn,
      historyTurns,
      usedChatTemplate: true
    };
  }

  const fakeSystemTurn = !row.canHandleSystemPrompt && systemPrompt !== "" && options.allowChatSystemPrompt !== false;
  const history: CheckedHistory = fakeSystemTurn
    ? {...checked, exchanges: [{user: FAKE_SYSTEM_TURN_USER, bot: systemPrompt}, ...checked.exchanges]}
    : checked;
  return {
    prompt: formatPrompt(format, history, {...inputTakesInstructionPlace(row, {instruction: checked.pending, input}), context}),
    stop: formatStopStrings(format),
    promptType: row.name,
    systemPrompt,
    fakeSystemTurn,
    historyTurns,
    usedChatTemplate: false
  };
}
