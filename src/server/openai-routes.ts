import {randomBytes} from "node:crypto";
import {Hono, type Context} from "hono";
import {streamSSE} from "hono/streaming";
import type {AppEnv} from "./access-control.js";
import {quote} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import type {LeasedRun, ModelEntry, ModelRegistry} from "./model-registry.js";
import {parseChatCompletion, parseCompletion, parseEmbedding, type ParsedChatCompletion, type ParsedCompletion} from "./openai-request.js";
import {readJsonBody} from "./read-json-body.js";
import type {RequestLimits} from "./request-limits.js";
import type {GenerationOutcome, GenerationParams, GenerationRun, ServedModel} from "./served-model.js";
import {jsonEvent, textEnvelope} from "./sse-event.js";
import {toLoggedHttpError} from "./to-http-error.js";
import type {CollectionManager} from "../docs/index.js";
import type {DocumentOptions} from "../generate/index.js";
import {documentOptionsFor, documentResultFields, type DocumentRequest} from "./document-request.js";
import {type AnswerScore, type AnswerScorer, scoredQuestion} from "./answer-scorer.js";

/** OpenAI-compatible `/v1` routes: what the `openai` client, LangChain's ChatOpenAI and similar tools call. */

/** The generate stage's stop reasons as OpenAI's finish_reason. */
const FINISH_REASONS: Readonly<Record<string, "stop" | "length">> = {
  eos: "stop",
  stop: "stop",
  stop_string: "stop",
  abort: "stop",
  length: "length",
  max_new_tokens: "length",
  time: "length",
  context: "length"
};

export function finishReason(stopReason: string): "stop" | "length" {
  return FINISH_REASONS[stopReason] ?? "stop";
}

export interface OpenAiRouteOptions {
  readonly registry: ModelRegistry;
  readonly limits: RequestLimits;
  readonly maxEmbeddingInputs: number;
  readonly startedAt: number;
  /** Document collections for h2oGPT's langchain_mode given as an extra body field. */
  readonly collections?: CollectionManager;
  readonly defaultLangchainMode?: string;
  /** `--score_model`: the first choice's score rides beside the choices (the stream's last chunk). */
  readonly scorer?: AnswerScorer;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens the engine did not evaluate again (its prompt cache), as OpenAI and llama-server report them. */
  prompt_tokens_details?: {cached_tokens: number};
}

function addUsage(usage: Usage, outcome: GenerationOutcome, first: boolean): void {
  if (first) {
    usage.prompt_tokens = outcome.promptTokens;
    if (outcome.cachedTokens != null) usage.prompt_tokens_details = {cached_tokens: outcome.cachedTokens};
  }
  usage.completion_tokens += outcome.completionTokens;
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
}

/** Choice i of n samples with seed + i, so n choices differ when sampling yet stay reproducible. */
function paramsForChoice(params: GenerationParams, index: number): GenerationParams {
  return index === 0 || params.seed == null ? params : {...params, seed: (params.seed + index) >>> 0};
}

async function drain(run: GenerationRun, onDelta?: (text: string) => Promise<void>): Promise<GenerationOutcome> {
  for await (const delta of run.stream) if (onDelta != null && delta !== "") await onDelta(delta);
  return run.result;
}

interface ChoiceRunOptions {
  readonly registry: ModelRegistry;
  readonly entry: ModelEntry;
  readonly signal: AbortSignal;
  readonly n: number;
  /** Choice 0's run, leased before the response starts so a full queue is still a plain HTTP error. */
  readonly first: LeasedRun;
  readonly start: (index: number, signal: AbortSignal) => GenerationRun;
}

interface ChoiceHandlers {
  readonly onChoiceStart?: (index: number) => Promise<void>;
  readonly onDelta?: (index: number, text: string) => Promise<void>;
  readonly onChoiceEnd: (index: number, outcome: GenerationOutcome) => Promise<void>;
}

/** Runs `n` generations one after another in `entry`'s slots; on failure the running one is aborted. */
async function runChoices({registry, entry, signal, n, first, start}: ChoiceRunOptions, handlers: ChoiceHandlers): Promise<void> {
  let run: LeasedRun | undefined = first;
  try {
    for (let index = 0; index < n; index++) {
      run ??= await registry.lease(entry, signal, (s) => start(index, s));
      await handlers.onChoiceStart?.(index);
      const onDelta = handlers.onDelta;
      const outcome = await drain(run, onDelta && ((text) => onDelta(index, text)));
      await handlers.onChoiceEnd(index, outcome);
      run = undefined;
    }
  } catch (error) {
    run?.abort();
    throw error;
  }
}

/**
 * What differs between `/chat/completions` and `/completions`: the request, how a run starts, and the JSON of a
 * choice. The rest (n choices, usage, streaming, errors) is one handler.
 */
interface CompletionApi<Parsed extends ParsedCompletionBase> {
  readonly idPrefix: string;
  readonly object: string;
  readonly chunkObject: string;
  readonly parse: (body: unknown, limits: RequestLimits, defaultLangchainMode?: string) => Parsed;
  readonly start: (model: ServedModel, parsed: Parsed, params: GenerationParams, documents: DocumentOptions | undefined, signal: AbortSignal) => GenerationRun;
  /** A finished choice's content in the plain response. */
  readonly choice: (parsed: Parsed, outcome: GenerationOutcome) => Record<string, unknown>;
  /** The content of a streamed choice's first chunk, or undefined for none. */
  readonly opening: (parsed: Parsed) => Record<string, unknown> | undefined;
  readonly delta: (text: string) => Record<string, unknown>;
  /** The content of the chunk that carries a streamed choice's finish_reason. */
  readonly closing: Record<string, unknown>;
  /** What an answer is scored against: the last user message, or the prompt. */
  readonly question: (parsed: Parsed) => string;
}

interface ParsedCompletionBase {
  readonly model: string | undefined;
  readonly documents: DocumentRequest | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly n: number;
  readonly request: {readonly params: GenerationParams};
}

const CHAT_COMPLETIONS: CompletionApi<ParsedChatCompletion> = {
  idPrefix: "chatcmpl",
  object: "chat.completion",
  chunkObject: "chat.completion.chunk",
  parse: parseChatCompletion,
  start: (model, parsed, params, documents, signal) => model.chat({...parsed.request, params, documents}, signal),
  choice: (_, outcome) => ({message: {role: "assistant", content: outcome.response}}),
  opening: () => ({delta: {role: "assistant", content: ""}}),
  delta: (text) => ({delta: {content: text}}),
  closing: {delta: {}},
  question: (parsed) => scoredQuestion(parsed.request.input)
};

const COMPLETIONS: CompletionApi<ParsedCompletion> = {
  idPrefix: "cmpl",
  object: "text_completion",
  chunkObject: "text_completion",
  parse: parseCompletion,
  start: (model, parsed, params, documents, signal) =>
    documents == null
      ? model.complete({...parsed.request, params}, signal)
      : model.chat({input: {history: [], instruction: parsed.request.prompt}, params, documents}, signal),
  choice: (parsed, outcome) => ({text: (parsed.echo ? parsed.request.prompt : "") + outcome.response}),
  opening: (parsed) => (parsed.echo && parsed.request.prompt !== "" ? {text: parsed.request.prompt} : undefined),
  delta: (text) => ({text}),
  closing: {text: ""},
  question: (parsed) => parsed.request.prompt
};

function completionHandler<Parsed extends ParsedCompletionBase>(
  api: CompletionApi<Parsed>,
  options: OpenAiRouteOptions
): (c: Context<AppEnv>) => Promise<Response> {
  const {registry, limits} = options;
  return async (c) => {
    const parsed = api.parse(await readJsonBody(c), limits, options.defaultLangchainMode);
    const documents = await documentOptionsFor({request: parsed.documents, collections: options.collections, user: c.get("principal").user});
    const entry = registry.resolve(parsed.model);
    const model = entry.model.info.name;
    const id = `${api.idPrefix}-${randomBytes(12).toString("hex")}`;
    const start = (index: number, signal: AbortSignal): GenerationRun =>
      api.start(entry.model, parsed, paramsForChoice(parsed.request.params, index), documents, signal);
    const usage: Usage = {prompt_tokens: 0, completion_tokens: 0, total_tokens: 0};
    const signal = c.req.raw.signal;
    const first = await registry.lease(entry, signal, (s) => start(0, s));
    const choices = {registry, entry, signal, n: parsed.n, first, start};
    const score = (outcome: GenerationOutcome): Promise<AnswerScore | undefined> =>
      options.scorer == null ? Promise.resolve(undefined) : options.scorer.score(api.question(parsed), outcome.response);

    if (!parsed.stream) {
      const outcomes: GenerationOutcome[] = [];
      await runChoices(choices, {onChoiceEnd: async (_, outcome) => void outcomes.push(outcome)});
      outcomes.forEach((outcome, index) => addUsage(usage, outcome, index === 0));
      const body = outcomes.map((outcome, index) => ({
        index,
        ...api.choice(parsed, outcome),
        logprobs: null,
        finish_reason: finishReason(outcome.stopReason)
      }));
      // h2oGPT's OpenAI server returns document sources beside the choices; OpenAI clients ignore the extra fields.
      return c.json({id, object: api.object, created: Math.floor(Date.now() / 1000), model, choices: body, usage, ...documentResultFields(outcomes[0]!), ...(await score(outcomes[0]!))});
    }

    // One `created` for the whole stream, as OpenAI sends it.
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({id, object: api.chunkObject, created, model, choices, ...extra});
    const deltaChunks = Array.from({length: parsed.n}, (_, index) => textEnvelope((text) => chunk([{index, ...api.delta(text), logprobs: null, finish_reason: null}])));
    c.header("X-Accel-Buffering", "no");
    let sources: Record<string, unknown> = {};
    let scored: Promise<AnswerScore | undefined> = Promise.resolve(undefined);
    return streamSSE(c, async (sse) => {
      try {
        await runChoices(choices, {
          onChoiceStart: async (index) => {
            const opening = api.opening(parsed);
            if (opening != null) await sse.writeSSE({data: chunk([{index, ...opening, logprobs: null, finish_reason: null}])});
          },
          onDelta: async (index, text) => void (await sse.write(jsonEvent(deltaChunks[index]!(text)))),
          onChoiceEnd: async (index, outcome) => {
            addUsage(usage, outcome, index === 0);
            if (index === 0) {
              sources = documentResultFields(outcome);
              scored = score(outcome);
            }
            // The sources and the score ride on the stream's last chunk: this one, unless a usage chunk follows.
            const last = index === parsed.n - 1 && !parsed.includeUsage;
            const extra = last ? {...sources, ...(await scored)} : {};
            await sse.writeSSE({data: chunk([{index, ...api.closing, logprobs: null, finish_reason: finishReason(outcome.stopReason)}], extra)});
          }
        });
        if (parsed.includeUsage) await sse.writeSSE({data: chunk([], {usage, ...sources, ...(await scored)})});
        await sse.writeSSE({data: "[DONE]"});
      } catch (error) {
        if (signal.aborted) return;
        // The status line is long gone: the error goes as an event, and [DONE] still ends the stream for clients that wait for it.
        await sse.writeSSE({data: JSON.stringify(toLoggedHttpError(error).toBody())});
        await sse.writeSSE({data: "[DONE]"});
      }
    });
  };
}

export function openAiRoutes(options: OpenAiRouteOptions): Hono<AppEnv> {
  const {registry, limits} = options;
  const app = new Hono<AppEnv>();
  const created = Math.floor(options.startedAt / 1000);

  const modelObject = (entry: ModelEntry): Record<string, unknown> => ({
    id: entry.model.info.name,
    object: "model",
    created,
    owned_by: "h2ogpt-ts",
    context_length: entry.model.info.contextLength,
    engine: entry.model.info.engine
  });

  app.get("/models", (c) => c.json({object: "list", data: registry.all.map(modelObject)}));

  app.get("/models/:id{.+}", (c) => {
    const entry = registry.all.find((e) => e.model.info.name === c.req.param("id"));
    if (entry == null) throw new HttpError(404, `no model named ${quote(c.req.param("id"))}`, {code: "model_not_found", param: "model"});
    return c.json(modelObject(entry));
  });

  app.post("/chat/completions", completionHandler(CHAT_COMPLETIONS, options));
  app.post("/completions", completionHandler(COMPLETIONS, options));

  app.post("/embeddings", async (c) => {
    const parsed = parseEmbedding(await readJsonBody(c), options.maxEmbeddingInputs);
    const entry = registry.resolve(parsed.model);
    const embed = entry.model.embed?.bind(entry.model);
    if (embed == null)
      throw new HttpError(400, `model "${entry.model.info.name}" has no embeddings`, {code: "embeddings_not_supported", param: "model"});
    const signal = c.req.raw.signal;
    const result = await entry.limiter.run(signal, () => embed(parsed.inputs, signal));
    return c.json({
      object: "list",
      model: entry.model.info.name,
      data: result.vectors.map((vector, index) => ({
        object: "embedding",
        index,
        embedding: parsed.base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector
      })),
      usage: {prompt_tokens: result.promptTokens, total_tokens: result.promptTokens}
    });
  });

  return app;
}
