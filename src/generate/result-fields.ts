import type {GenerateResult} from "./generate-options.js";

/** A result's answer and figures under h2oGPT's snake_case names. */
export interface ResultFields {
  readonly response: string;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly max_new_tokens: number;
  readonly stop_reason: string;
  readonly turns_dropped: number;
}

/** What `h2ogpt generate --json` prints, every eval line and `/api/generate` hold, in that order. */
export function resultFields(
  result: Pick<GenerateResult, "response" | "promptTokens" | "completionTokens" | "maxNewTokens" | "stopReason" | "turnsDropped">
): ResultFields {
  return {
    response: result.response,
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    max_new_tokens: result.maxNewTokens,
    stop_reason: result.stopReason,
    turns_dropped: result.turnsDropped
  };
}
