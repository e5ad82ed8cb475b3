import {LOGIT_BIAS_KEY, MAX_LOGIT_BIAS} from "../engine/index.js";
import {
  asObject,
  badRequest,
  optionalBoolean,
  optionalNumber,
  optionalPromptType,
  optionalString,
  optionalStringList,
  quote,
  type JsonObject
} from "./field-readers.js";
import {parseDocumentRequest, type DocumentRequest} from "./document-request.js";
import {HttpError} from "./http-error.js";
import {MAX_STOP_STRINGS, readMaxNewTokens, type RequestLimits} from "./request-limits.js";
import type {ChatMessage, ChatRequest, CompletionRequest, GenerationParams} from "./served-model.js";

/** Turns OpenAI request bodies into the server's camelCase requests, refusing what we cannot honour. */

export interface ParsedChatCompletion {
  readonly model: string | undefined;
  /** h2oGPT's document fields, given as extra body fields (the openai client's extra_body). */
  readonly documents: DocumentRequest | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly n: number;
  readonly request: ChatRequest;
}

export interface ParsedCompletion {
  readonly model: string | undefined;
  /** With langchain_mode, the prompt is the question asked of the documents. */
  readonly documents: DocumentRequest | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly n: number;
  readonly echo: boolean;
  readonly request: CompletionRequest;
}

const ROLE_MAP: Readonly<Record<string, ChatMessage["role"]>> = {
  system: "system",
  developer: "system",
  user: "user",
  assistant: "assistant"
};

function contentText(value: unknown, param: string): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) throw badRequest(param, "expected a string or a list of text parts");
  return value
    .map((part, index) => {
      const p = asObject(part, `${param}[${index}]`);
      if (p.type !== "text" || typeof p.text !== "string")
        throw badRequest(`${param}[${index}]`, `only text parts are supported, got type ${quote(p.type)}`, "unsupported_content");
      return p.text;
    })
    .join("");
}

function readMessages(body: JsonObject): ChatMessage[] {
  const raw = body.messages;
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest("messages", "expected a non-empty list of messages", "missing_field");
  const messages = raw.map((item, index): ChatMessage => {
    const param = `messages[${index}]`;
    const message = asObject(item, param);
    // Own keys only: "toString" must not find Object.prototype's.
    const role = typeof message.role === "string" && Object.hasOwn(ROLE_MAP, message.role) ? ROLE_MAP[message.role] : undefined;
    if (role == null)
      throw badRequest(`${param}.role`, `unsupported role ${quote(message.role)} (system, developer, user or assistant)`);
    if (message.tool_calls != null || message.function_call != null)
      throw badRequest(param, "tool calls are not supported", "unsupported_feature");
    return {role, content: contentText(message.content ?? (role === "assistant" ? "" : undefined), `${param}.content`)};
  });
  if (messages.at(-1)!.role !== "user")
    throw badRequest(`messages[${messages.length - 1}].role`, "the last message must be from the user");
  return messages;
}

function refuseUnsupported(body: JsonObject): void {
  if (Array.isArray(body.tools) && body.tools.length > 0) throw badRequest("tools", "tool calling is not supported", "unsupported_feature");
  if (Array.isArray(body.functions) && body.functions.length > 0)
    throw badRequest("functions", "function calling is not supported", "unsupported_feature");
  if (body.logprobs === true || (typeof body.logprobs === "number" && body.logprobs > 0))
    throw badRequest("logprobs", "log probabilities are not supported", "unsupported_feature");
  const format = body.response_format;
  if (format != null && asObject(format, "response_format").type !== "text")
    throw badRequest("response_format", "only {\"type\": \"text\"} is supported", "unsupported_feature");
}

function readParams(body: JsonObject, limits: RequestLimits): GenerationParams {
  const maxNewTokens = readMaxNewTokens(body, body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens", limits);
  const seed = optionalNumber(body, "seed", {integer: true});
  return {
    temperature: optionalNumber(body, "temperature", {min: 0, max: 2}),
    topP: optionalNumber(body, "top_p", {above: 0, max: 1}),
    topK: optionalNumber(body, "top_k", {min: 0, integer: true}),
    minP: optionalNumber(body, "min_p", {min: 0, max: 1}),
    repetitionPenalty: optionalNumber(body, "repetition_penalty", {above: 0, max: 10}),
    presencePenalty: optionalNumber(body, "presence_penalty", {min: -2, max: 2}),
    frequencyPenalty: optionalNumber(body, "frequency_penalty", {min: -2, max: 2}),
    logitBias: readLogitBias(body),
    maxNewTokens,
    minNewTokens: optionalNumber(body, "min_tokens", {min: 0, integer: true}),
    seed: seed == null ? undefined : seed >>> 0,
    stop: optionalStringList(body, "stop", MAX_STOP_STRINGS)
  };
}

/** OpenAI's `{"token id": bias}`; ids are checked against the model's vocabulary by the engine. */
function readLogitBias(body: JsonObject): Map<number, number> | undefined {
  if (body.logit_bias == null) return undefined;
  const raw = asObject(body.logit_bias, "logit_bias");
  const bias = new Map<number, number>();
  for (const key of Object.keys(raw)) {
    const param = `logit_bias[${quote(key)}]`;
    if (!LOGIT_BIAS_KEY.test(key)) throw badRequest(param, "keys are token ids (decimal integers from 0)");
    bias.set(Number(key), optionalNumber(raw, key, {min: -MAX_LOGIT_BIAS, max: MAX_LOGIT_BIAS}, param)!);
  }
  return bias.size === 0 ? undefined : bias;
}

function readStreamOptions(body: JsonObject): {stream: boolean; includeUsage: boolean} {
  const stream = optionalBoolean(body, "stream") ?? false;
  const options = body.stream_options == null ? {} : asObject(body.stream_options, "stream_options");
  return {stream, includeUsage: stream && (optionalBoolean(options, "include_usage", "stream_options.include_usage") ?? false)};
}

function readN(body: JsonObject, limits: RequestLimits): number {
  return optionalNumber(body, "n", {min: 1, max: limits.maxChoices, integer: true}) ?? 1;
}

export function parseChatCompletion(rawBody: unknown, limits: RequestLimits, defaultLangchainMode?: string): ParsedChatCompletion {
  const body = asObject(rawBody, "body");
  refuseUnsupported(body);
  const messages = readMessages(body);
  return {
    model: optionalString(body, "model", 256),
    documents: parseDocumentRequest(body, defaultLangchainMode),
    ...readStreamOptions(body),
    n: readN(body, limits),
    request: {
      input: {messages},
      promptType: optionalPromptType(body),
      params: readParams(body, limits)
    }
  };
}

export function parseCompletion(rawBody: unknown, limits: RequestLimits, defaultLangchainMode?: string): ParsedCompletion {
  const body = asObject(rawBody, "body");
  refuseUnsupported(body);
  let prompt = body.prompt;
  if (Array.isArray(prompt)) {
    if (prompt.length !== 1 || typeof prompt[0] !== "string")
      throw badRequest("prompt", "expected one string (batches and token arrays are not supported)", "unsupported_feature");
    prompt = prompt[0];
  }
  if (typeof prompt !== "string" || prompt === "") throw badRequest("prompt", "expected a non-empty string", "missing_field");
  if (body.suffix != null && body.suffix !== "") throw badRequest("suffix", "not supported", "unsupported_feature");
  if (body.best_of != null && body.best_of !== 1) throw badRequest("best_of", "not supported", "unsupported_feature");
  return {
    model: optionalString(body, "model", 256),
    documents: parseDocumentRequest(body, defaultLangchainMode),
    ...readStreamOptions(body),
    n: readN(body, limits),
    echo: optionalBoolean(body, "echo") ?? false,
    request: {prompt, params: readParams(body, limits)}
  };
}

export interface ParsedEmbedding {
  readonly model: string | undefined;
  readonly inputs: string[];
  readonly base64: boolean;
}

export function parseEmbedding(rawBody: unknown, maxInputs: number): ParsedEmbedding {
  const body = asObject(rawBody, "body");
  const input = body.input;
  const inputs = typeof input === "string" ? [input] : input;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((item) => typeof item !== "string"))
    throw badRequest("input", "expected a string or a non-empty list of strings (token arrays are not supported)");
  // OpenAI refuses empty inputs too: an empty text has no embedding.
  const empty = (inputs as string[]).findIndex((item) => item === "");
  if (empty >= 0) throw badRequest(typeof input === "string" ? "input" : `input[${empty}]`, "must not be empty");
  if (inputs.length > maxInputs) throw badRequest("input", `at most ${maxInputs} inputs per request, got ${inputs.length}`);
  const format = optionalString(body, "encoding_format", 16) ?? "float";
  if (format !== "float" && format !== "base64") throw badRequest("encoding_format", `expected "float" or "base64", got ${quote(format)}`);
  if (body.dimensions != null) throw new HttpError(400, "dimensions: not supported", {param: "dimensions", code: "unsupported_feature"});
  return {model: optionalString(body, "model", 256), inputs: inputs as string[], base64: format === "base64"};
}
