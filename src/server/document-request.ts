import {
  DOCS_ORDERING_TYPES,
  DOCS_TOKEN_HANDLINGS,
  DOCUMENT_SUBSETS,
  LANGCHAIN_ACTIONS,
  type DocsOrderingType,
  type DocsTokenHandling,
  type DocumentOptions,
  type DocumentSubset,
  type LangchainAction,
  sourceFields
} from "../generate/index.js";
import type {CollectionManager} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import type {GenerationOutcome} from "./served-model.js";
import {badRequest, optionalBoolean, optionalNumber, optionalString, optionalStringList, quote, type JsonObject} from "./field-readers.js";

/** h2oGPT's document Q&A parameters, accepted by /api/generate, the UI's answer route and (as extra body fields) /v1. */
export const DOCUMENT_FIELDS: readonly string[] = [
  "langchain_mode",
  "langchain_action",
  "top_k_docs",
  "docs_ordering_type",
  "docs_token_handling",
  "docs_joiner",
  "pre_prompt_query",
  "prompt_query",
  "pre_prompt_summary",
  "prompt_summary",
  "use_llm_if_no_docs",
  "document_subset",
  "document_choice",
  "keep_sources_in_context"
];

/** What a request asks of the documents, before the server attaches the caller's collection. */
export type DocumentRequest = Omit<DocumentOptions, "retriever" | "onProgress">;

const MAX_PROMPT_TEXT = 10_000;

function oneOf<T extends string>(body: JsonObject, key: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(body, key, 64);
  if (value == null) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw badRequest(key, `expected one of ${allowed.join(", ")}, got ${quote(value)}`);
  return value as T;
}

/**
 * The document fields of a request, or undefined when it asks for none (langchain_mode absent and the server's
 * default LLM, or LLM / Disabled given): then the model answers alone, as h2oGPT's LLM mode does.
 */
export function parseDocumentRequest(body: JsonObject, defaultMode: string | undefined): DocumentRequest | undefined {
  const mode = optionalString(body, "langchain_mode", 64) ?? defaultMode;
  if (mode == null || mode === "" || mode === "LLM" || mode === "Disabled") {
    for (const key of DOCUMENT_FIELDS)
      if (key !== "langchain_mode" && key !== "keep_sources_in_context" && body[key] != null)
        throw badRequest(key, `applies to document Q&A: also give langchain_mode (UserData, MyData or a collection)`);
    return undefined;
  }
  const topK = optionalNumber(body, "top_k_docs", {integer: true, min: -1, max: 1000});
  if (topK === 0) throw badRequest("top_k_docs", "must be a positive integer or -1 (as many as fit)");
  return {
    langchainMode: mode,
    langchainAction: oneOf<LangchainAction>(body, "langchain_action", LANGCHAIN_ACTIONS),
    topKDocs: topK,
    docsOrderingType: oneOf<DocsOrderingType>(body, "docs_ordering_type", DOCS_ORDERING_TYPES),
    docsTokenHandling: oneOf<DocsTokenHandling>(body, "docs_token_handling", DOCS_TOKEN_HANDLINGS),
    docsJoiner: optionalString(body, "docs_joiner", 100),
    prePromptQuery: optionalString(body, "pre_prompt_query", MAX_PROMPT_TEXT),
    promptQuery: optionalString(body, "prompt_query", MAX_PROMPT_TEXT),
    prePromptSummary: optionalString(body, "pre_prompt_summary", MAX_PROMPT_TEXT),
    promptSummary: optionalString(body, "prompt_summary", MAX_PROMPT_TEXT),
    useLlmIfNoDocs: optionalBoolean(body, "use_llm_if_no_docs"),
    documentSubset: oneOf<DocumentSubset>(body, "document_subset", DOCUMENT_SUBSETS),
    documentChoice: optionalStringList(body, "document_choice", 1000)
  };
}

/**
 * The request's documents as the caller sees them: the caller's collection of that name, checked now (a name the
 * caller has no collection by is a 400 listing those there are, before any generation starts).
 */
export async function documentOptionsFor(options: {
  request: DocumentRequest | undefined;
  collections: CollectionManager | undefined;
  user: string;
}): Promise<DocumentOptions | undefined> {
  const {request, collections, user} = options;
  if (request == null) return undefined;
  if (collections == null) throw badRequest("langchain_mode", "this server has no document collections", "invalid_value");
  try {
    return {...request, retriever: await collections.retriever(user, request.langchainMode)};
  } catch (error) {
    if (error instanceof UsageError) throw badRequest("langchain_mode", error.message, "collection_not_found");
    throw error;
  }
}

/** The document part of a result under h2oGPT's names (nothing for an answer without documents). */
export function documentResultFields(outcome: GenerationOutcome): Record<string, unknown> {
  if (outcome.langchainMode == null) return {};
  return {
    langchain_mode: outcome.langchainMode,
    langchain_action: outcome.langchainAction,
    sources: (outcome.sources ?? []).map(sourceFields),
    chunks_used: outcome.chunksUsed,
    chunks_dropped: outcome.chunksDropped,
    ...(outcome.note == null ? {} : {note: outcome.note})
  };
}
