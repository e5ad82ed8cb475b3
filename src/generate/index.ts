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
export {planGeneration, type GenerationPlan} from "./plan-generation.js";
export {ResponseShaper, type ResponseShaperOptions} from "./response-shaper.js";
export {resultFields, sourceFields, type CitedSource, type ResultFields, type SourceFields} from "./result-fields.js";
export {evaluateRecord, type EvalLine, type EvalQuestion, type EvalRecord} from "./eval-records.js";
export {
  DOCS_JOINER,
  DOCS_ORDERING_TYPES,
  DOCS_TOKEN_HANDLINGS,
  DOCUMENT_SUBSETS,
  LANGCHAIN_ACTIONS,
  NO_DOCUMENTS_TO_QUERY,
  NO_DOCUMENTS_TO_SUMMARIZE,
  orderDocuments,
  PRE_PROMPT_QUERY,
  PRE_PROMPT_SUMMARY,
  PROMPT_QUERY,
  PROMPT_SUMMARY,
  queryMessage,
  summaryMessage,
  type DocsOrderingType,
  type DocsTokenHandling,
  type DocumentPromptTexts,
  type DocumentSubset,
  type LangchainAction
} from "./document-prompts.js";
export {generateWithDocuments, type DocumentGenerateResult, type DocumentOptions, type DocumentRetriever} from "./generate-with-documents.js";
export {formatSources, stripSources, SOURCES_END, SOURCES_START} from "./format-sources.js";
