import {assemblePrompt} from "./assemble-prompt.js";
import {checkChatHistory, type ChatHistory, type CheckedHistory} from "./chat-history.js";
import {chooseSystemPlacement, templateStopStrings, type ChatMessage, type ChatTemplate} from "./chat-template.js";
import {FAKE_SYSTEM_TURN_USER} from "./fake-system-turn.js";
import {MissingChatTemplateError} from "./prompt-errors.js";
import {promptFormat, type PromptFormat, type PromptFormatOptions} from "./prompt-format.js";
import {formatStopStrings} from "./stop-strings.js";
import {turnParts} from "./turn-parts.js";

export interface ChatPromptOptions extends PromptFormatOptions {
  /**
   * `[[user, bot], ..., [user, null]]`, oldest first. To fit a context, re-render with older exchanges
   * removed: the system prompt and its placement are re-applied each time, never dropped.
   */
  readonly history: ChatHistory;
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

/** Prompter.generate_prompt: the current turn after the history, the preamble put back in front once. */
function formatPrompt(format: PromptFormat, history: CheckedHistory): string {
  const context = historyContext(format, history.exchanges);
  const current = {instruction: history.pending, input: ""};
  if (!context) return assemblePrompt(turnParts(format, {reduced: false, makingContext: false, histi: -1}), current);
  const preamble = turnParts(format, {reduced: false, makingContext: false, histi: -1}).promptB ?? "";
  const turn = assemblePrompt(turnParts(format, {reduced: true, makingContext: false, histi: -1, hasContext: true}), {
    ...current,
    context
  });
  return preamble + turn;
}

function templateTurns(history: CheckedHistory): ChatMessage[] {
  const turns: ChatMessage[] = [];
  for (const {user, bot} of history.exchanges) {
    if (user == null) continue;
    turns.push({role: "user", content: user}, {role: "assistant", content: bot});
  }
  turns.push({role: "user", content: history.pending});
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

  if (row.usesChatTemplate) {
    if (options.chatTemplate == null) throw new MissingChatTemplateError(row.name);
    const placement = chooseSystemPlacement({chatTemplate: options.chatTemplate, systemPrompt, turns: templateTurns(checked)});
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
    prompt: formatPrompt(format, history),
    stop: formatStopStrings(format),
    promptType: row.name,
    systemPrompt,
    fakeSystemTurn,
    historyTurns,
    usedChatTemplate: false
  };
}
