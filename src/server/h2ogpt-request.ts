import {parseDictLiteral} from "../util/index.js";
import {
  asObject,
  badRequest,
  optionalBoolean,
  optionalNumber,
  optionalPromptType,
  optionalString,
  optionalStringList,
  rejectUnknownFields,
  type JsonObject
} from "./field-readers.js";
import {MAX_STOP_STRINGS, readMaxNewTokens, type RequestLimits} from "./request-limits.js";
import {DOCUMENT_FIELDS, parseDocumentRequest, type DocumentRequest} from "./document-request.js";
import type {ChatRequest} from "./served-model.js";

/**
 * `/api/generate` bodies with h2oGPT's parameter names (src/evaluate_params.py): instruction (or
 * instruction_nochat), iinput, context, system_prompt, prompt_type, prompt_dict, chat_conversation, the sampling
 * hyper-parameters, and visible_models to pick a model. Any other field is refused (see GENERATE_FIELDS).
 */

/**
 * Every field `/api/generate` (and the UI's answer route) takes. Anything else is a 400 naming the nearest of
 * these, because a misspelt `max_new_token` would otherwise be dropped and the request answered with the
 * default. A new parameter is one more name here plus its reader in parseGenerate.
 */
export const GENERATE_FIELDS: ReadonlySet<string> = new Set([
  // the turn
  "instruction",
  "instruction_nochat",
  "iinput",
  "iinput_nochat",
  "context",
  "chat_conversation",
  "system_prompt",
  "prompt_type",
  "prompt_dict",
  // the model
  "visible_models",
  "model",
  // generation
  "temperature",
  "top_p",
  "top_k",
  "min_p",
  "repetition_penalty",
  "max_new_tokens",
  "min_new_tokens",
  "max_time",
  "seed",
  "do_sample",
  "stop",
  "num_beams",
  "num_return_sequences",
  // document Q&A
  ...DOCUMENT_FIELDS
]);

export interface ParsedGenerate {
  readonly model: ModelChoice;
  readonly request: ChatRequest;
  /** What the request asks of the documents; the route attaches the caller's collection. */
  readonly documents: DocumentRequest | undefined;
}

function readConversation(body: JsonObject): [string, string][] {
  const raw = body.chat_conversation;
  if (raw == null) return [];
  if (!Array.isArray(raw)) throw badRequest("chat_conversation", 'expected a list of ["user", "bot"] pairs');
  return raw.map((pair, index): [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || (pair[1] != null && typeof pair[1] !== "string"))
      throw badRequest(`chat_conversation[${index}]`, 'expected ["user", "bot"]');
    return [pair[0], pair[1] ?? ""];
  });
}

/** h2oGPT's visible_models: a name, or an index into the served models (model_lock order), or a list of those. */
export type ModelChoice = {readonly name: string} | {readonly index: number} | undefined;

function readModel(body: JsonObject): ModelChoice {
  const value = body.visible_models ?? body.model;
  const first = Array.isArray(value) ? value[0] : value;
  if (first == null || first === "") return undefined;
  if (typeof first === "number" && Number.isInteger(first) && first >= 0) return {index: first};
  if (typeof first !== "string") throw badRequest("visible_models", "expected a model name or index");
  return {name: first};
}

function readPromptDict(body: JsonObject): Record<string, unknown> | undefined {
  const value = body.prompt_dict;
  if (value == null || value === "") return undefined;
  if (typeof value === "string") {
    try {
      return parseDictLiteral(value, "prompt_dict");
    } catch (error) {
      throw badRequest("prompt_dict", (error as Error).message.replace(/^prompt_dict: /, ""));
    }
  }
  return asObject(value, "prompt_dict");
}

/**
 * @param defaultLangchainMode the server's --langchain_mode, for requests that name none (h2oGPT's default is LLM).
 */
export function parseGenerate(rawBody: unknown, limits: RequestLimits, defaultLangchainMode?: string): ParsedGenerate {
  const body = asObject(rawBody, "body");
  rejectUnknownFields(body, GENERATE_FIELDS);
  const documents = parseDocumentRequest(body, defaultLangchainMode);
  const instructionKey = body.instruction_nochat != null && body.instruction == null ? "instruction_nochat" : "instruction";
  const instruction = optionalString(body, instructionKey) ?? "";
  // Summarize and Extract need no instruction (one given focuses them), nor do the sources-only subsets.
  const needsInstruction = documents == null || ((documents.langchainAction ?? "Query") === "Query" && (documents.documentSubset ?? "Relevant") === "Relevant");
  if (instruction === "" && needsInstruction) throw badRequest("instruction", "is required", "missing_field");
  const iinput = optionalString(body, body.iinput_nochat != null && body.iinput == null ? "iinput_nochat" : "iinput");
  // h2oGPT's context: text before the conversation, kept whole (a prompt it makes too long is a 400 with both numbers).
  const context = optionalString(body, "context");

  const numBeams = optionalNumber(body, "num_beams", {min: 1, integer: true});
  if (numBeams != null && numBeams > 1)
    throw badRequest("num_beams", "beam search is not supported by this engine; use num_beams=1", "unsupported_feature");
  const sequences = optionalNumber(body, "num_return_sequences", {min: 1, integer: true});
  if (sequences != null && sequences > 1)
    throw badRequest("num_return_sequences", "only 1 here; use /v1/chat/completions with n for several answers", "unsupported_feature");

  const maxNewTokens = readMaxNewTokens(body, "max_new_tokens", limits);
  const seed = optionalNumber(body, "seed", {integer: true});

  return {
    model: readModel(body),
    documents,
    request: {
      input: {history: readConversation(body), instruction, iinput, ...(context ? {context} : {})},
      systemPrompt: optionalString(body, "system_prompt"),
      promptType: optionalPromptType(body),
      promptDict: readPromptDict(body),
      params: {
        temperature: optionalNumber(body, "temperature", {min: 0, max: 10}),
        topP: optionalNumber(body, "top_p", {above: 0, max: 1}),
        topK: optionalNumber(body, "top_k", {min: 0, integer: true}),
        minP: optionalNumber(body, "min_p", {min: 0, max: 1}),
        repetitionPenalty: optionalNumber(body, "repetition_penalty", {above: 0, max: 10}),
        maxNewTokens,
        minNewTokens: optionalNumber(body, "min_new_tokens", {min: 0, integer: true}),
        maxTime: optionalNumber(body, "max_time", {above: 0}),
        seed: seed == null || seed === 0 ? undefined : seed >>> 0,
        doSample: optionalBoolean(body, "do_sample"),
        stop: optionalStringList(body, "stop", MAX_STOP_STRINGS)
      }
    }
  };
}
