import type {ChatMessage} from "../engine/index.js";
import {fitPrompt, type FittedPrompt} from "./fit-prompt.js";
import {GENERATION_DEFAULTS, type GenerateOptions} from "./generate-options.js";
import {planPrompt, type PromptPlan} from "./plan-prompt.js";

/** What a request would send, before any token is generated: the prompt and its budget. */
export interface GenerationPlan {
  /** The exact prompt (or, for a chat endpoint, the messages as JSON), as GenerateResult's promptRaw. */
  readonly promptRaw: string;
  readonly promptType: string;
  readonly promptTokens: number;
  /** The new tokens the answer may have: min(max_new_tokens, context - prompt). */
  readonly maxNewTokens: number;
  readonly contextLength: number;
  readonly turnsDropped: number;
  readonly truncatedChars: number;
}

/** The prompt plan and its fit to the context, as generation uses them. */
export async function fitRequest(options: GenerateOptions): Promise<{plan: PromptPlan<string | ChatMessage[]>; fitted: FittedPrompt<string | ChatMessage[]>}> {
  const plan = planPrompt(options) as PromptPlan<string | ChatMessage[]>;
  const fitted = await fitPrompt({
    render: plan.render,
    count: plan.count,
    historyTurns: plan.historyTurns,
    messageLength: plan.messageLength,
    overflowDetail: plan.overflowDetail,
    contextLength: options.engine.info.contextLength,
    requested: options.maxNewTokens ?? GENERATION_DEFAULTS.maxNewTokens,
    minMaxNewTokens: options.minMaxNewTokens ?? GENERATION_DEFAULTS.minMaxNewTokens,
    truncation: options.truncation ?? GENERATION_DEFAULTS.truncation
  });
  return {plan, fitted};
}

/**
 * Plans a request without generating: the prompt generate would send, its tokens, and the answer's budget (a
 * UI's "prompt tokens / context" as the user types). Throws what generate would throw before its first token,
 * e.g. a ContextOverflowError carrying both numbers.
 *
 * @example
 * const {promptTokens, maxNewTokens, contextLength} = await planGeneration({engine, promptType: "human_bot", instruction: "Hi"});
 */
export async function planGeneration(options: GenerateOptions): Promise<GenerationPlan> {
  const {plan, fitted} = await fitRequest(options);
  return {
    promptRaw: plan.raw(fitted.prompt),
    promptType: plan.promptType,
    promptTokens: fitted.promptTokens,
    maxNewTokens: fitted.maxNewTokens,
    contextLength: options.engine.info.contextLength,
    turnsDropped: fitted.turnsDropped,
    truncatedChars: fitted.truncatedChars
  };
}
