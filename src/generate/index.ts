/** Generation: h2oGPT's generate on any engine, with the context budget, stop strings and streaming. */
export {generate, generateStream} from "./generate-stream.js";
export {
  GENERATION_DEFAULTS,
  type GenerateInput,
  type GenerateOptions,
  type GenerateResult,
  type GenerateStream,
  type GenerationParams,
  type SequenceResult
} from "./generate-options.js";
export {fitPrompt, type FitPromptOptions, type FittedPrompt, type Truncation} from "./fit-prompt.js";
export {messagesToChat, MessagesError, type ChatFromMessages, type Message} from "./messages-to-chat.js";
export {choosePromptType} from "./plan-prompt.js";
export {ResponseShaper, type ResponseShaperOptions} from "./response-shaper.js";
export {resultFields, type ResultFields} from "./result-fields.js";
export {evaluateRecord, type EvalLine, type EvalQuestion, type EvalRecord} from "./eval-records.js";
