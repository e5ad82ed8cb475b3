import type {H2oGptError} from "../errors/index.js";
import {
  ChatTemplateError,
  ConversationFormatError,
  MissingChatTemplateError,
  PromptDictError,
  UnknownPromptTypeError,
  renderConversationTraining,
  renderTrainingString,
  resolvePromptType,
  type ChatTemplate
} from "../prompts/index.js";
import type {DropReason} from "./drop-reasons.js";
import type {FieldProblem, NormalizedRecord} from "./normalize-record.js";

export interface RenderDefaults {
  /** The prompt type for records without their own (h2oGPT's finetune default is `plain`). */
  readonly promptType: string | number;
  readonly promptDict?: string | Readonly<Record<string, unknown>>;
  readonly systemPrompt?: string;
  /** For prompt types `unknown` / `template`: the model's chat template. */
  readonly chatTemplate?: ChatTemplate;
}

export interface RenderedRecord {
  readonly text: string;
  /** `text.slice(0, promptLength)` is the prompt; the answer (trained with --train_on_inputs=false) follows. */
  readonly promptLength: number;
  readonly promptType: string;
}

/** Errors from the prompts stage that are about one record, and the drop reason each is counted under. */
const RECORD_ERRORS: readonly (readonly [abstract new (...args: never[]) => H2oGptError, DropReason])[] = [
  [UnknownPromptTypeError, "unknown_prompt_type"],
  [PromptDictError, "bad_prompt_dict"],
  [ConversationFormatError, "bad_conversation"],
  [MissingChatTemplateError, "render_failed"],
  [ChatTemplateError, "render_failed"]
];

/**
 * Builds the training string of one record with h2oGPT's exact prompt format: the record's own prompt_type /
 * prompt_dict / system_prompt win over the defaults. `text` records are used as they are (type `plain`, no prompt).
 */
export function renderRecord(record: NormalizedRecord, defaults: RenderDefaults): RenderedRecord | FieldProblem {
  if (record.kind === "text") return {text: record.text, promptLength: 0, promptType: "plain"};
  try {
    const promptType = resolvePromptType(record.promptType ?? defaults.promptType).name;
    const settings = {
      promptType,
      promptDict: record.promptDict ?? defaults.promptDict,
      systemPrompt: record.systemPrompt ?? defaults.systemPrompt,
      chatTemplate: defaults.chatTemplate
    };
    const {text, prompt} =
      record.kind === "conversation"
        ? renderConversationTraining({...settings, messages: record.turns, field: record.field})
        : renderTrainingString({...settings, record});
    return {text, promptLength: prompt.length, promptType};
  } catch (error) {
    const reason = RECORD_ERRORS.find(([type]) => error instanceof type)?.[1];
    if (reason == null) throw error;
    return {kind: "problem", reason, detail: (error as Error).message};
  }
}
