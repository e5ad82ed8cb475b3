import {ContextOverflowError, NotSupportedError, UsageError} from "../errors/index.js";
import {EngineClosedError, RemoteServerError} from "./engine-errors.js";
import type {
  ChatMessage,
  EmbeddingResult,
  Engine,
  EngineGenerateOptions,
  EngineGeneration,
  EngineInfo,
  EngineResult,
  StopReason,
  TokenCounting
} from "./engine-types.js";
import {sendRequest, type RetryPolicy} from "./http-request.js";
import {parseInferenceServer, type InferenceServer} from "./inference-server.js";
import {ReleasedText} from "./released-text.js";
import {checkGenerateOptions, resolveSampling} from "./sampling-options.js";
import {serverSentData} from "./server-sent-events.js";
import {startGeneration, type GenerationIo} from "./start-generation.js";

/** What the remote engine needs from a local tokenizer (the tokenizer stage's Tokenizer fits). */
export interface TokenCounter {
  count(text: string, options?: {addSpecialTokens?: boolean}): number;
  encode(text: string, options?: {addSpecialTokens?: boolean}): number[];
  dispose?(): Promise<void>;
}

export interface RemoteEngineOptions {
  /** h2oGPT's `--inference_server` value. */
  readonly inferenceServer: string;
  /** The model id sent to the server (h2oGPT's base_model); defaults to the first model the server lists. */
  readonly model?: string;
  /** h2oGPT's max_seq_len; defaults to what the server reports, else 4096. */
  readonly contextLength?: number;
  /** Counts tokens locally (h2oGPT's `--tokenizer`); without it the server's /tokenize is used when it has one. */
  readonly tokenizer?: TokenCounter;
  /** Time allowed for the response headers, and the longest pause in a stream. Defaults to 120 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Requests sent at once. Defaults to 8. */
  readonly concurrency?: number;
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_CONTEXT_LENGTH = 4096;
const DEFAULT_RETRY: RetryPolicy = {retries: 3, baseDelayMs: 500, maxDelayMs: 10_000};
/** OpenAI's own API accepts at most four stop strings; the rest are matched here. */
const OPENAI_MAX_STOPS = 4;
/** Chat templates add a few tokens per message (role markers); OpenAI documents about 4. */
const TOKENS_PER_MESSAGE = 4;

class StreamStalled extends Error {}

interface ModelListing {
  readonly ids: string[];
  readonly maxModelLen?: number;
}

/** `This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (2000 in the messages, ...)`. */
function overflowFrom(error: RemoteServerError): ContextOverflowError | undefined {
  if (error.status !== 400 && error.status !== 413) return undefined;
  const body = error.body as {error?: {n_prompt_tokens?: number; n_ctx?: number}} | undefined;
  if (typeof body?.error?.n_prompt_tokens === "number" && typeof body.error.n_ctx === "number")
    return new ContextOverflowError(body.error.n_prompt_tokens, body.error.n_ctx, "reported by the server");
  const max = /maximum context length is (\d+)/i.exec(error.message)?.[1];
  const prompt = /\((\d+) (?:in the messages|in your prompt|in the prompt|in the input)/i.exec(error.message)?.[1];
  if (max != null && prompt != null) return new ContextOverflowError(Number(prompt), Number(max), "reported by the server");
  return undefined;
}

function rootUrl(baseUrl: string): string {
  return baseUrl.replace(/\/v1$/, "");
}

/**
 * An OpenAI-compatible server (vLLM, llama.cpp's llama-server, TGI, Ollama, OpenAI) as an engine: completion
 * endpoints get our rendered prompt, chat endpoints get messages; streaming, stop strings matched here too,
 * retries with backoff on 429/503, and token counts from a local tokenizer, the server's /tokenize, or an estimate.
 */
export class RemoteEngine implements Engine {
  private readonly controllers = new Set<AbortController>();
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly info: EngineInfo,
    private readonly server: InferenceServer,
    private readonly model: string,
    private readonly tokenizer: TokenCounter | undefined,
    private readonly timeoutMs: number,
    private readonly retry: RetryPolicy
  ) {}

  static async connect(options: RemoteEngineOptions): Promise<RemoteEngine> {
    const server = parseInferenceServer(options.inferenceServer, options.env);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const retry = {...DEFAULT_RETRY, ...options.retry};
    const request = {apiKey: server.apiKey, timeoutMs, retry};

    const listing = await RemoteEngine.listModels(server, request).catch((error: unknown) => {
      if (options.model != null && error instanceof RemoteServerError && error.status != null) return undefined;
      throw error;
    });
    const model = options.model ?? listing?.ids[0];
    if (model == null) throw new UsageError(`${server.baseUrl}/models lists no model; give --base_model with the model's name`);
    if (options.model != null && listing != null && listing.ids.length > 0 && !listing.ids.includes(options.model))
      throw new UsageError(`${server.spec} does not serve ${options.model} (it serves ${listing.ids.slice(0, 5).join(", ")})`);

    const contextLength = options.contextLength ?? listing?.maxModelLen ?? (await RemoteEngine.llamaServerContext(server, request)) ?? DEFAULT_CONTEXT_LENGTH;
    let tokenCounting: TokenCounting = "estimate";
    if (options.tokenizer != null) tokenCounting = "tokenizer";
    else if (server.kind !== "openai" && (await RemoteEngine.serverTokenize(server, model, "a", request).catch(() => undefined)) != null)
      tokenCounting = "server";

    const info: EngineInfo = {
      kind: "remote",
      name: model,
      contextLength,
      sequences: options.concurrency ?? 8,
      embeddings: true,
      promptFormat: server.endpoint === "chat" ? "messages" : "raw",
      tokenCounting,
      baseUrl: server.baseUrl
    };
    return new RemoteEngine(info, server, model, options.tokenizer, timeoutMs, retry);
  }

  private static async listModels(server: InferenceServer, request: {apiKey?: string; timeoutMs: number; retry: RetryPolicy}): Promise<ModelListing> {
    const {response, release} = await sendRequest({url: `${server.baseUrl}/models`, ...request});
    try {
      const json = (await response.json()) as {data?: {id?: string; max_model_len?: number}[]};
      const data = Array.isArray(json.data) ? json.data : [];
      const maxModelLen = data.find((m) => typeof m.max_model_len === "number")?.max_model_len;
      return {ids: data.map((m) => m.id).filter((id): id is string => typeof id === "string"), maxModelLen};
    } catch (error) {
      throw new RemoteServerError(`${server.baseUrl}/models: not an OpenAI model list`, `${server.baseUrl}/models`, response.status, {cause: error});
    } finally {
      release();
    }
  }

  /** llama.cpp's llama-server reports its context size at /props. */
  private static async llamaServerContext(server: InferenceServer, request: {apiKey?: string; timeoutMs: number; retry: RetryPolicy}): Promise<number | undefined> {
    if (server.kind === "openai") return undefined;
    try {
      const {response, release} = await sendRequest({url: `${rootUrl(server.baseUrl)}/props`, ...request, retry: {...request.retry, retries: 0}});
      try {
        const json = (await response.json()) as {default_generation_settings?: {n_ctx?: number}; n_ctx?: number};
        const nCtx = json.default_generation_settings?.n_ctx ?? json.n_ctx;
        return typeof nCtx === "number" && nCtx > 0 ? nCtx : undefined;
      } finally {
        release();
      }
    } catch {
      return undefined;
    }
  }

  /** llama-server (`{content, add_special}`) and vLLM (`{model, prompt, add_special_tokens}`) both serve POST /tokenize. */
  private static async serverTokenize(
    server: InferenceServer,
    model: string,
    text: string,
    request: {apiKey?: string; timeoutMs: number; retry: RetryPolicy; signal?: AbortSignal},
    addSpecial = true
  ): Promise<number> {
    const {response, release} = await sendRequest({
      url: `${rootUrl(server.baseUrl)}/tokenize`,
      body: {model, prompt: text, content: text, add_special: addSpecial, add_special_tokens: addSpecial},
      ...request
    });
    try {
      const json = (await response.json()) as {tokens?: unknown[]; count?: number};
      const count = typeof json.count === "number" ? json.count : Array.isArray(json.tokens) ? json.tokens.length : undefined;
      if (count == null) throw new RemoteServerError(`${server.baseUrl}: /tokenize answered without tokens`, `${rootUrl(server.baseUrl)}/tokenize`);
      return count;
    } finally {
      release();
    }
  }

  private request(signal?: AbortSignal) {
    return {apiKey: this.server.apiKey, timeoutMs: this.timeoutMs, retry: this.retry, signal};
  }

  private async count(text: string, addSpecial: boolean): Promise<number> {
    this.ensureOpen();
    switch (this.info.tokenCounting) {
      case "tokenizer":
        return this.tokenizer!.count(text, {addSpecialTokens: addSpecial});
      case "server":
        return RemoteEngine.serverTokenize(this.server, this.model, text, this.request(), addSpecial);
      default:
        // No tokenizer available: UTF-8 bytes / 3 over-counts English (about 4 bytes per token) so budgets stay safe.
        return Math.ceil(Buffer.byteLength(text, "utf8") / 3);
    }
  }

  async tokenize(text: string): Promise<number[]> {
    this.ensureOpen();
    if (this.tokenizer != null) return this.tokenizer.encode(text);
    throw new NotSupportedError(`token ids are not available from ${this.server.spec} without --tokenizer`);
  }

  countTokens(text: string): Promise<number> {
    return this.count(text, true);
  }

  /** The tokens a list of chat messages takes once the server has templated them (content plus a per-message allowance). */
  async countMessageTokens(messages: readonly ChatMessage[]): Promise<number> {
    let total = 0;
    for (const message of messages) total += (await this.count(message.content, false)) + TOKENS_PER_MESSAGE;
    return total;
  }

  generate(options: EngineGenerateOptions): EngineGeneration {
    this.ensureOpen();
    checkGenerateOptions(options);
    if (this.server.endpoint === "chat") throw new NotSupportedError(`${this.server.spec} is a chat endpoint: send messages (generateChat)`);
    return startGeneration(options.signal, (io) => this.run(options, {prompt: options.prompt}, io));
  }

  generateChat(options: Omit<EngineGenerateOptions, "prompt"> & {readonly messages: readonly ChatMessage[]}): EngineGeneration {
    this.ensureOpen();
    checkGenerateOptions(options);
    if (this.server.endpoint !== "chat") throw new NotSupportedError(`${this.server.spec} is a completion endpoint: send a rendered prompt`);
    return startGeneration(options.signal, (io) => this.run(options, {messages: options.messages}, io));
  }

  private body(options: Omit<EngineGenerateOptions, "prompt">, input: {prompt?: string; messages?: readonly ChatMessage[]}): Record<string, unknown> {
    const sampling = resolveSampling(options);
    const openai = this.server.kind === "openai";
    const stop = (options.stop ?? []).filter((s) => s !== "");
    const body: Record<string, unknown> = {
      model: this.model,
      ...input,
      max_tokens: options.maxNewTokens,
      temperature: sampling.temperature,
      top_p: sampling.greedy ? 1 : sampling.topP,
      stream: true,
      stream_options: {include_usage: true}
    };
    if (sampling.seed != null) body.seed = sampling.seed;
    if (options.logitBias != null && options.logitBias.size > 0) body.logit_bias = Object.fromEntries(options.logitBias);
    if (sampling.presencePenalty !== 0) body.presence_penalty = sampling.presencePenalty;
    if (sampling.frequencyPenalty !== 0) body.frequency_penalty = sampling.frequencyPenalty;
    if (stop.length > 0) body.stop = openai ? stop.slice(0, OPENAI_MAX_STOPS) : stop;
    // vLLM and llama-server accept these beyond the OpenAI schema; OpenAI itself rejects unknown fields.
    if (!openai) {
      // Sent even at their defaults so every server samples alike; -1 is "no limit" to both vLLM and llama-server.
      if (!sampling.greedy) {
        body.top_k = sampling.topK > 0 ? sampling.topK : -1;
        body.min_p = sampling.minP;
      }
      if (sampling.repetitionPenalty !== 1) {
        body.repetition_penalty = sampling.repetitionPenalty;
        body.repeat_penalty = sampling.repetitionPenalty;
      }
      if ((options.minNewTokens ?? 0) > 0) body.min_tokens = options.minNewTokens;
    }
    return body;
  }

  private async acquireSlot(signal: AbortSignal): Promise<boolean> {
    if (this.active < this.info.sequences) {
      this.active++;
      return true;
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        signal.removeEventListener("abort", onAbort);
        this.active++;
        resolve(true);
      };
      const onAbort = (): void => {
        const index = this.queue.indexOf(grant);
        if (index !== -1) this.queue.splice(index, 1);
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, {once: true});
      this.queue.push(grant);
    });
  }

  private releaseSlot(): void {
    this.active--;
    this.queue.shift()?.();
  }

  private async run(
    options: Omit<EngineGenerateOptions, "prompt">,
    input: {prompt?: string; messages?: readonly ChatMessage[]},
    io: GenerationIo
  ): Promise<EngineResult> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    io.signal.addEventListener("abort", onAbort, {once: true});
    if (io.signal.aborted) controller.abort();
    this.controllers.add(controller);
    let timedOut = false;
    const timer = options.maxTime == null ? undefined : setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.maxTime * 1000);
    try {
      const promptTokens = input.prompt != null ? await this.count(input.prompt, true) : await this.countMessageTokens(input.messages ?? []);
      if (!(await this.acquireSlot(controller.signal))) return {text: "", promptTokens, completionTokens: 0, stopReason: timedOut ? "time" : "abort"};
      try {
        return await this.stream(options, input, promptTokens, io.emit, controller, () => timedOut);
      } finally {
        this.releaseSlot();
      }
    } finally {
      clearTimeout(timer);
      io.signal.removeEventListener("abort", onAbort);
      this.controllers.delete(controller);
    }
  }

  private async stream(
    options: Omit<EngineGenerateOptions, "prompt">,
    input: {prompt?: string; messages?: readonly ChatMessage[]},
    estimatedPromptTokens: number,
    emit: (text: string) => void,
    controller: AbortController,
    timedOut: () => boolean
  ): Promise<EngineResult> {
    const url = `${this.server.baseUrl}/${this.server.endpoint === "chat" ? "chat/completions" : "completions"}`;
    const output = new ReleasedText(options.stop ?? [], emit);
    let stopReason: StopReason = "length";
    let stopString: string | undefined;
    let usage: {prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: {cached_tokens?: number}} | undefined;
    const interrupted = (): StopReason | undefined => (timedOut() ? "time" : controller.signal.aborted ? "abort" : undefined);

    let http;
    try {
      http = await sendRequest({url, body: this.body(options, input), ...this.request(controller.signal)});
    } catch (error) {
      const reason = interrupted();
      if (reason != null) return {text: output.text, promptTokens: estimatedPromptTokens, completionTokens: 0, stopReason: reason};
      throw (error instanceof RemoteServerError ? overflowFrom(error) : undefined) ?? error;
    }
    const {response, controller: bodyController} = http;
    const onAbort = (): void => bodyController.abort();
    controller.signal.addEventListener("abort", onAbort, {once: true});
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => bodyController.abort(new StreamStalled()), this.timeoutMs);
    };
    let finished = false;
    try {
      armIdle();
      // A server that ignores `stream: true` answers with one JSON body, read as a single event.
      const streamed = (response.headers.get("content-type") ?? "").includes("text/event-stream");
      const events = streamed ? serverSentData(response.body) : (async function* () {
        yield await response.text();
      })();
      for await (const data of events) {
        armIdle();
        if (data.trim() === "[DONE]") break;
        let chunk: {
          choices?: {text?: string; delta?: {content?: string | null}; message?: {content?: string | null}; finish_reason?: string | null; stop_reason?: unknown}[];
          usage?: typeof usage;
          error?: {message?: string};
        };
        try {
          chunk = JSON.parse(data);
        } catch {
          throw new RemoteServerError(`${url}: the stream sent something that is not JSON: ${data.slice(0, 80)}`, url);
        }
        if (chunk.error != null) throw new RemoteServerError(`${url}: ${chunk.error.message ?? "error in stream"}`, url);
        if (chunk.usage != null) usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (choice == null) continue;
        const piece = choice.text ?? choice.delta?.content ?? choice.message?.content ?? "";
        if (output.push(piece)) {
          stopReason = "stop";
          stopString = output.stopString;
          finished = true;
          break;
        }
        if (choice.finish_reason != null) {
          finished = true;
          // vLLM names the stop string in stop_reason; other servers cannot tell a stop string from end-of-sequence.
          if (choice.finish_reason === "length") stopReason = "length";
          else if (typeof choice.stop_reason === "string") {
            stopReason = "stop";
            stopString = choice.stop_reason;
          } else stopReason = "eos";
        }
      }
    } catch (error) {
      const reason = interrupted();
      if (reason != null) stopReason = reason;
      else if (bodyController.signal.reason instanceof StreamStalled)
        throw new RemoteServerError(`${url}: the stream stalled for ${this.timeoutMs / 1000}s`, url, undefined, {cause: error});
      else throw error instanceof RemoteServerError ? error : new RemoteServerError(`${url}: the stream broke (${(error as Error).message})`, url, undefined, {cause: error});
    } finally {
      clearTimeout(idle);
      controller.signal.removeEventListener("abort", onAbort);
      http.release();
      if (!finished) bodyController.abort();
    }
    if (!finished && interrupted() == null && stopReason === "length") stopReason = "eos";
    if (stopReason !== "stop") output.flush();
    const text = output.text;
    const completionTokens = usage?.completion_tokens ?? (text === "" ? 0 : await this.count(text, false));
    return {
      text,
      promptTokens: usage?.prompt_tokens ?? estimatedPromptTokens,
      ...(usage?.prompt_tokens_details?.cached_tokens == null ? {} : {cachedTokens: usage.prompt_tokens_details.cached_tokens}),
      completionTokens,
      stopReason,
      ...(stopString == null ? {} : {stopString})
    };
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<EmbeddingResult> {
    this.ensureOpen();
    const url = `${this.server.baseUrl}/embeddings`;
    let http;
    try {
      http = await sendRequest({url, body: {model: this.model, input: texts}, ...this.request(signal)});
    } catch (error) {
      if (error instanceof RemoteServerError && (error.status === 404 || error.status === 501))
        throw new NotSupportedError(`${this.server.spec} has no embeddings endpoint (${error.message})`);
      throw error;
    }
    try {
      const json = (await http.response.json()) as {data?: {index?: number; embedding?: number[]}[]; usage?: {prompt_tokens?: number}};
      const data = [...(json.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== texts.length || data.some((d) => !Array.isArray(d.embedding)))
        throw new RemoteServerError(`${url}: expected ${texts.length} embeddings, got ${data.length}`, url);
      let promptTokens = json.usage?.prompt_tokens;
      if (promptTokens == null) {
        promptTokens = 0;
        for (const text of texts) promptTokens += await this.count(text, true);
      }
      return {vectors: data.map((d) => d.embedding!), promptTokens};
    } finally {
      http.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.controllers) controller.abort();
    await this.tokenizer?.dispose?.();
  }

  private ensureOpen(): void {
    if (this.closed) throw new EngineClosedError();
  }
}
