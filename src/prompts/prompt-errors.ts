import {UsageError} from "../errors/index.js";

/** A prompt type that is not one of h2oGPT's (by name, number or number-as-string). */
export class UnknownPromptTypeError extends UsageError {
  constructor(readonly value: unknown) {
    super(`unknown prompt_type ${JSON.stringify(value)} (see h2ogpt prompt-types)`);
  }
}

/** A `prompt_dict` that does not parse, is not a dict, or has a key or value h2oGPT's custom type cannot take. */
export class PromptDictError extends UsageError {
  constructor(readonly field: string, reason: string) {
    super(`prompt_dict${field ? `.${field}` : ""}: ${reason}`);
  }
}

/** Why a conversation cannot become a training example; the data stage counts drops by this. */
export type ConversationProblem = "bad-role" | "bad-content" | "not-alternating" | "no-final-assistant" | "empty";

/** A chat record (OpenAI `messages` or ShareGPT `conversations`) that is not a usable conversation. */
export class ConversationFormatError extends UsageError {
  constructor(
    readonly problem: ConversationProblem,
    /** The offending field, e.g. `messages[2].role`. */
    readonly field: string,
    reason: string
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A history that is not `[[user, bot], ..., [user, null]]`. */
export class ChatHistoryError extends UsageError {
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
  }
}

/** prompt_type unknown/template (or '') with no chat template to render. */
export class MissingChatTemplateError extends UsageError {
  constructor(readonly promptType: string) {
    super(`prompt_type ${promptType} renders with the model's chat template; pass one (--chat_template=FILE) or choose a prompt_type`);
  }
}

/** A chat template that does not parse or fails to render even after h2oGPT's system-prompt fallback. */
export class ChatTemplateError extends UsageError {
  constructor(readonly source: string, reason: string, options?: {cause?: unknown}) {
    super(`chat template ${source}: ${reason}`, options);
  }
}

/**
 * h2oGPT's context with a chat template: the template has no place for pre-rendered text (h2oGPT's Prompter
 * silently ignores the context there), so it is refused rather than lost.
 */
export class TemplateContextError extends UsageError {
  constructor(readonly promptType: string) {
    super(
      `context: prompt_type ${promptType} renders with the model's chat template, which has no place for a context; ` +
        "give the earlier turns as history, or choose a prompt_type"
    );
  }
}
