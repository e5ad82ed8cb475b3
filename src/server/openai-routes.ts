import {randomBytes} from "node:crypto";
import {Hono, type Context} from "hono";
import {streamSSE, type SSEStreamingApi} from "hono/streaming";
import type {AppEnv} from "./access-control.js";
import {HttpError} from "./http-error.js";
import type {LeasedRun, ModelEntry, ModelRegistry} from "./model-registry.js";
import {parseChatCompletion, parseCompletion, parseEmbedding, type RequestLimits} from "./openai-request.js";
import {readJsonBody} from "./read-json-body.js";
import type {GenerationOutcome, GenerationParams, GenerationRun} from "./served-model.js";
import {toHttpError} from "./to-http-error.js";

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
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function addUsage(usage: Usage, outcome: GenerationOutcome, first: boolean): void {
  if (first) usage.prompt_tokens = outcome.promptTokens;
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

/** Runs `n` generations one after another in `entry`'s slots and returns their outcomes. */
async function collectChoices(
  registry: ModelRegistry,
  entry: ModelEntry,
  signal: AbortSignal,
  n: number,
  first: LeasedRun,
  start: (index: number, signal: AbortSignal) => GenerationRun
): Promise<GenerationOutcome[]> {
  const outcomes: GenerationOutcome[] = [];
  let run: LeasedRun | undefined = first;
  try {
    for (let index = 0; index < n; index++) {
      run ??= await registry.lease(entry, signal, (s) => start(index, s));
      outcomes.push(await drain(run));
      run = undefined;
    }
  } catch (error) {
    run?.abort();
    throw error;
  }
  return outcomes;
}

async function writeError(sse: SSEStreamingApi, error: unknown): Promise<void> {
  const http = toHttpError(error);
  if (http.status >= 500) console.error(error);
  await sse.writeSSE({data: JSON.stringify(http.toBody())});
}

/** Runs `n` generations one after another in `entry`'s slots; the first is leased before the response starts. */
function streamChoices(
  c: Context<AppEnv>,
  options: {
    registry: ModelRegistry;
    entry: ModelEntry;
    n: number;
    first: LeasedRun;
    start: (index: number, signal: AbortSignal) => GenerationRun;
    onChoiceStart?: (sse: SSEStreamingApi, index: number) => Promise<void>;
    onDelta: (sse: SSEStreamingApi, index: number, text: string) => Promise<void>;
    onChoiceEnd: (sse: SSEStreamingApi, index: number, outcome: GenerationOutcome) => Promise<void>;
    onEnd: (sse: SSEStreamingApi) => Promise<void>;
  }
): Response {
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (sse) => {
    const signal = c.req.raw.signal;
    let run: LeasedRun | undefined = options.first;
    try {
      for (let index = 0; index < options.n; index++) {
        run ??= await options.registry.lease(options.entry, signal, (s) => options.start(index, s));
        await options.onChoiceStart?.(sse, index);
        const current: LeasedRun = run;
        const outcome = await drain(current, (text) => options.onDelta(sse, index, text));
        await options.onChoiceEnd(sse, index, outcome);
        run = undefined;
      }
      await options.onEnd(sse);
      await sse.writeSSE({data: "[DONE]"});
    } catch (error) {
      run?.abort();
      if (!signal.aborted) await writeError(sse, error);
    }
  });
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
    if (entry == null) throw new HttpError(404, `no model named "${c.req.param("id")}"`, {code: "model_not_found", param: "model"});
    return c.json(modelObject(entry));
  });

  app.post("/chat/completions", async (c) => {
    const parsed = parseChatCompletion(await readJsonBody(c), limits);
    const entry = registry.resolve(parsed.model);
    const model = entry.model.info.name;
    const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
    const start = (index: number, signal: AbortSignal): GenerationRun =>
      entry.model.chat({...parsed.request, params: paramsForChoice(parsed.request.params, index)}, signal);
    const usage: Usage = {prompt_tokens: 0, completion_tokens: 0, total_tokens: 0};
    const signal = c.req.raw.signal;
    const first = await registry.lease(entry, signal, (s) => start(0, s));

    if (!parsed.stream) {
      const outcomes = await collectChoices(registry, entry, signal, parsed.n, first, start);
      outcomes.forEach((outcome, index) => addUsage(usage, outcome, index === 0));
      const choices = outcomes.map((outcome, index) => ({
        index,
        message: {role: "assistant", content: outcome.response},
        logprobs: null,
        finish_reason: finishReason(outcome.stopReason)
      }));
      return c.json({id, object: "chat.completion", created: Math.floor(Date.now() / 1000), model, choices, usage});
    }

    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      JSON.stringify({id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model, choices, ...extra});
    return streamChoices(c, {
      registry,
      entry,
      n: parsed.n,
      first,
      start,
      onChoiceStart: (sse, index) =>
        sse.writeSSE({data: chunk([{index, delta: {role: "assistant", content: ""}, logprobs: null, finish_reason: null}])}),
      onDelta: (sse, index, text) => sse.writeSSE({data: chunk([{index, delta: {content: text}, logprobs: null, finish_reason: null}])}),
      onChoiceEnd: async (sse, index, outcome) => {
        addUsage(usage, outcome, index === 0);
        await sse.writeSSE({data: chunk([{index, delta: {}, logprobs: null, finish_reason: finishReason(outcome.stopReason)}])});
      },
      onEnd: async (sse) => {
        if (parsed.includeUsage) await sse.writeSSE({data: chunk([], {usage})});
      }
    });
  });

  app.post("/completions", async (c) => {
    const parsed = parseCompletion(await readJsonBody(c), limits);
    const entry = registry.resolve(parsed.model);
    const model = entry.model.info.name;
    const id = `cmpl-${randomBytes(12).toString("hex")}`;
    const start = (index: number, signal: AbortSignal): GenerationRun =>
      entry.model.complete({...parsed.request, params: paramsForChoice(parsed.request.params, index)}, signal);
    const usage: Usage = {prompt_tokens: 0, completion_tokens: 0, total_tokens: 0};
    const signal = c.req.raw.signal;
    const echo = parsed.echo ? parsed.request.prompt : "";
    const first = await registry.lease(entry, signal, (s) => start(0, s));

    if (!parsed.stream) {
      const outcomes = await collectChoices(registry, entry, signal, parsed.n, first, start);
      outcomes.forEach((outcome, index) => addUsage(usage, outcome, index === 0));
      const choices = outcomes.map((outcome, index) => ({
        index,
        text: echo + outcome.response,
        logprobs: null,
        finish_reason: finishReason(outcome.stopReason)
      }));
      return c.json({id, object: "text_completion", created: Math.floor(Date.now() / 1000), model, choices, usage});
    }

    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      JSON.stringify({id, object: "text_completion", created: Math.floor(Date.now() / 1000), model, choices, ...extra});
    return streamChoices(c, {
      registry,
      entry,
      n: parsed.n,
      first,
      start,
      onChoiceStart: async (sse, index) => {
        if (echo !== "") await sse.writeSSE({data: chunk([{index, text: echo, logprobs: null, finish_reason: null}])});
      },
      onDelta: (sse, index, text) => sse.writeSSE({data: chunk([{index, text, logprobs: null, finish_reason: null}])}),
      onChoiceEnd: async (sse, index, outcome) => {
        addUsage(usage, outcome, index === 0);
        await sse.writeSSE({data: chunk([{index, text: "", logprobs: null, finish_reason: finishReason(outcome.stopReason)}])});
      },
      onEnd: async (sse) => {
        if (parsed.includeUsage) await sse.writeSSE({data: chunk([], {usage})});
      }
    });
  });

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
