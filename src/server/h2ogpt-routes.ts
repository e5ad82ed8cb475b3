import {Hono, type Context} from "hono";
import {streamSSE} from "hono/streaming";
import {resultFields} from "../generate/index.js";
import type {AppEnv} from "./access-control.js";
import type {CollectionManager} from "../docs/index.js";
import {documentOptionsFor, documentResultFields} from "./document-request.js";
import {parseGenerate, type ModelChoice, type ParsedGenerate} from "./h2ogpt-request.js";
import {HttpError} from "./http-error.js";
import type {ModelEntry, ModelRegistry} from "./model-registry.js";
import type {RequestLimits} from "./request-limits.js";
import {readJsonBody} from "./read-json-body.js";
import type {ChatRequest, GenerationOutcome} from "./served-model.js";
import {toLoggedHttpError} from "./to-http-error.js";
import {jsonEvent} from "./sse-event.js";
import {type AnswerScorer, scoredQuestion} from "./answer-scorer.js";

/**
 * h2oGPT-style generation: `POST /api/generate` answers `{response, prompt_raw, prompt_tokens,
 * completion_tokens, max_new_tokens, stop_reason, turns_dropped, model, time_ms}`; `POST /api/generate_stream`
 * sends the same as SSE: `event: delta` with `{"text"}` per piece, then `event: result` with the object (or
 * `event: error` with `{"error": {...}}`).
 */

function resultBody(outcome: GenerationOutcome, model: string, startedAt: number): Record<string, unknown> {
  const {response, ...figures} = resultFields(outcome);
  return {response, prompt_raw: outcome.promptRaw, ...figures, model, time_ms: Date.now() - startedAt, ...documentResultFields(outcome)};
}

function choose(registry: ModelRegistry, choice: ModelChoice): ModelEntry {
  if (choice == null || "name" in choice) return registry.resolve(choice?.name, "visible_models");
  const name = registry.names[choice.index];
  if (name == null)
    throw new HttpError(404, `visible_models: no model at index ${choice.index}; this server serves ${registry.names.length}`, {
      param: "visible_models",
      code: "model_not_found"
    });
  return registry.resolve(name);
}

export interface H2oGptRoutesOptions {
  readonly registry: ModelRegistry;
  readonly limits: RequestLimits;
  /** Document collections for langchain_mode; without them a request naming one is a 400. */
  readonly collections?: CollectionManager;
  /** The server's --langchain_mode for requests that name none. */
  readonly defaultLangchainMode?: string;
  /** `--score_model`: results carry `score` and `score_text`. */
  readonly scorer?: AnswerScorer;
}

export function h2oGptRoutes(options: H2oGptRoutesOptions): Hono<AppEnv> {
  const {registry, limits} = options;
  const parse = async (c: Context<AppEnv>): Promise<ParsedGenerate & {request: ChatRequest}> => {
    const parsed = parseGenerate(await readJsonBody(c), limits, options.defaultLangchainMode);
    const documents = await documentOptionsFor({request: parsed.documents, collections: options.collections, user: c.get("principal").user});
    return {...parsed, request: {...parsed.request, documents}};
  };
  const app = new Hono<AppEnv>();
  const withScore = async (body: Record<string, unknown>, request: ChatRequest, outcome: GenerationOutcome): Promise<Record<string, unknown>> =>
    options.scorer == null ? body : {...body, ...(await options.scorer.score(scoredQuestion(request.input), outcome.response))};

  app.post("/generate", async (c) => {
    const startedAt = Date.now();
    const parsed = await parse(c);
    const entry = choose(registry, parsed.model);
    const run = await registry.lease(entry, c.req.raw.signal, (signal) => entry.model.chat(parsed.request, signal));
    try {
      for await (const _ of run.stream);
      const outcome = await run.result;
      return c.json(await withScore(resultBody(outcome, entry.model.info.name, startedAt), parsed.request, outcome));
    } catch (error) {
      run.abort();
      throw error;
    }
  });

  app.post("/generate_stream", async (c) => {
    const startedAt = Date.now();
    const parsed = await parse(c);
    const entry = choose(registry, parsed.model);
    const signal = c.req.raw.signal;
    // A map-reduce's progress goes out as `progress` events once the stream is open.
    let progress: ((state: {stage: string; done: number; total: number}) => void) | undefined;
    const documents = parsed.request.documents;
    const request = documents == null ? parsed.request : {...parsed.request, documents: {...documents, onProgress: (state: {stage: string; done: number; total: number}) => progress?.(state)}};
    const run = await registry.lease(entry, signal, (s) => entry.model.chat(request, s));
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (sse) => {
      progress = (state) => void sse.writeSSE({event: "progress", data: JSON.stringify(state)}).catch(() => undefined);
      try {
        for await (const text of run.stream) if (text !== "") await sse.write(jsonEvent(`{"text":${JSON.stringify(text)}}`, "delta"));
        const outcome = await run.result;
        await sse.writeSSE({event: "result", data: JSON.stringify(await withScore(resultBody(outcome, entry.model.info.name, startedAt), parsed.request, outcome))});
      } catch (error) {
        run.abort();
        if (signal.aborted) return;
        await sse.writeSSE({event: "error", data: JSON.stringify(toLoggedHttpError(error).toBody())});
      }
    });
  });

  return app;
}
