/** h2oGPT's prompt types: training strings, chat prompts, chat templates, stop strings, response extraction. */
export {PROMPT_TYPES} from "./prompt-types.js";
export type {PromptTypeRow} from "./prompt-type-row.js";
export {resolvePromptType} from "./resolve-prompt-type.js";
export type {PromptDict} from "./custom-prompt-type.js";
export {effectiveSystemPrompt, type PromptFormatOptions} from "./prompt-format.js";
export type {PromptRecord} from "./assemble-prompt.js";
export {renderTrainingString, type TrainingString, type TrainingStringOptions} from "./render-training-string.js";
export type {ChatHistory} from "./chat-history.js";
export {renderChatPrompt, type ChatPrompt, type ChatPromptOptions} from "./render-chat-prompt.js";
export {normalizeConversation} from "./normalize-conversation.js";
export {renderConversationTraining, type ConversationTrainingOptions} from "./render-conversation-training.js";
export {stopStrings, TOKEN_STOP_RULES, type StopStringsOptions, type TokenStopRule} from "./stop-strings.js";
export {extractResponse, type ExtractResponseOptions} from "./extract-response.js";
export {detectPromptType, type DetectPromptTypeOptions} from "./detect-prompt-type.js";
export {renderChatTemplate, type ChatMessage, type ChatTemplate} from "./chat-template.js";
export {loadChatTemplate, type LoadChatTemplateOptions} from "./load-chat-template.js";
export {FAKE_SYSTEM_TURN_USER} from "./fake-system-turn.js";
export {
  ChatHistoryError,
  ChatTemplateError,
  ConversationFormatError,
  MissingChatTemplateError,
  PromptDictError,
  TemplateContextError,
  UnknownPromptTypeError,
  type ConversationProblem
} from "./prompt-errors.js";
