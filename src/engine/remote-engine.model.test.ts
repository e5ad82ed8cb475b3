import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {afterAll, beforeAll, beforeEach, describe, expect, it, vi} from "vitest";
import {ContextOverflowError, NotSupportedError} from "../errors/index.js";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {createEngine, RemoteServerError, type Engine} from "./index.js";

/** A scripted OpenAI-compatible server on 127.0.0.1: each test sets how the next requests are answered. */
type Handler = (request: IncomingMessage, body: Record<string, unknown>, response: ServerResponse) => void | Promise<void>;

let server: Server;
let port: number;
const routes = new Map<string, Handler>();
const seen: {path: string; body: Record<string, unknown>}[] = [];
let closedEarly = 0;

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, {"content-type": "application/json", ...headers});
  response.end(JSON.stringify(body));
}

/** Streams OpenAI completion chunks with a pause between them. */
async function streamChunks(response: ServerResponse, pieces: readonly string[], options: {chat?: boolean; finish?: string; delayMs?: number; usage?: object} = {}): Promise<void> {
  response.writeHead(200, {"content-type": "text/event-stream"});
  response.on("close", () => {
    if (!response.writableFinished) closedEarly++;
  });
  for (const piece of pieces) {
    if (response.destroyed) return;
    const choice = options.chat ? {index: 0, delta: {content: piece}, finish_reason: null} : {index: 0, text: piece, finish_reason: null};
    response.write(`data: ${JSON.stringify({choices: [choice]})}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
  }
  if (response.destroyed) return;
  const last = options.chat ? {index: 0, delta: {}, finish_reason: options.finish ?? "stop"} : {index: 0, text: "", finish_reason: options.finish ?? "stop"};
  response.write(`data: ${JSON.stringify({choices: [last]})}\n\n`);
  if (options.usage) response.write(`data: ${JSON.stringify({choices: [], usage: options.usage})}\n\n`);
  response.end("data: [DONE]\n\n");
}

const baseRoutes: [string, Handler][] = [
  ["GET /v1/models", (_, __, res) => json(res, 200, {object: "list", data: [{id: "fake-model", max_model_len: 1024}]})],
  ["POST /tokenize", (_, body, res) => json(res, 200, {tokens: String(body.prompt).split(/\s+/).filter(Boolean).map((_, i) => i), count: String(body.prompt).split(/\s+/).filter(Boolean).length})]
];

beforeAll(async () => {
  server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk) => (raw += chunk));
    request.on("end", () => {
      const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
      const path = `${request.method} ${request.url}`;
      seen.push({path, body});
      const handler = routes.get(path);
      if (handler == null) return json(response, 404, {error: {message: `no route ${path}`}});
      void handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  routes.clear();
  for (const [path, handler] of baseRoutes) routes.set(path, handler);
  seen.length = 0;
  closedEarly = 0;
});

const fastRetry = {retries: 2, baseDelayMs: 5, maxDelayMs: 20};

async function connect(spec = `vllm:127.0.0.1:${port}`, extra: Partial<Parameters<typeof createEngine>[0]> = {}): Promise<Engine> {
  return createEngine({inferenceServer: spec, retry: fastRetry, timeoutMs: 2000, ...extra});
}

async function read(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const delta of stream) out.push(delta);
  return out;
}

describe("remote engine against a local OpenAI-compatible server", () => {
  it("connects: model id and context from /v1/models, token counts from /tokenize", async () => {
    const engine = await connect();
    expect(engine.info).toMatchObject({kind: "remote", name: "fake-model", contextLength: 1024, promptFormat: "raw", tokenCounting: "server", baseUrl: `http://127.0.0.1:${port}/v1`});
    expect(await engine.countTokens("one two three")).toBe(3);
    await engine.close();
  });

  it.skipIf(neoxTokenizerPath == null)("counts with a local tokenizer when --tokenizer is given", async () => {
    const engine = await connect(undefined, {tokenizer: neoxTokenizerPath});
    expect(engine.info.tokenCounting).toBe("tokenizer");
    // GPT-NeoX ids from the FAQ: "osed" and " {#" are one token each; no BOS is added.
    expect(await engine.countTokens("osed {#")).toBe(2);
    expect(await engine.tokenize("osed {#")).toEqual([1700, 1712]);
    await engine.close();
  });

  it("falls back to an estimate without /tokenize, and to --max_seq_len over the server's figure", async () => {
    routes.delete("POST /tokenize");
    const engine = await connect(`http://127.0.0.1:${port}`, {contextLength: 512});
    expect(engine.info).toMatchObject({tokenCounting: "estimate", contextLength: 512});
    expect(await engine.countTokens("x".repeat(30))).toBe(10);
    await engine.close();
  });

  it("streams a completion of the raw prompt, never emitting a stop string split across chunks", async () => {
    routes.set("POST /v1/completions", (_, __, res) => streamChunks(res, [" I am", " a bot.\n<hu", "man>: next", " question"]));
    const engine = await connect();
    const generation = engine.generate({prompt: "<human>: Who are you?\n<bot>:", maxNewTokens: 50, stop: ["\n<human>:", "<human>:"], temperature: 0});
    const deltas = await read(generation.stream);
    const result = await generation.result;
    expect(deltas.join("")).toBe(" I am a bot.");
    expect(deltas.some((d) => d.includes("<"))).toBe(false);
    expect(result).toMatchObject({text: " I am a bot.", stopReason: "stop", stopString: "\n<human>:", promptTokens: 5});
    const request = seen.find((s) => s.path === "POST /v1/completions")!.body;
    expect(request).toMatchObject({model: "fake-model", prompt: "<human>: Who are you?\n<bot>:", max_tokens: 50, temperature: 0, top_p: 1, stream: true, stop: ["\n<human>:", "<human>:"]});
    expect(request.top_k).toBeUndefined();
    await engine.close();
  });

  it("sends sampling extras to vLLM-style servers and reports eos, length and the server's usage", async () => {
    routes.set("POST /v1/completions", (_, body, res) =>
      streamChunks(res, ["a", "b"], {finish: body.max_tokens === 2 ? "length" : "stop", usage: {prompt_tokens: 7, completion_tokens: 2}})
    );
    const engine = await connect();
    const eos = await engine.generate({prompt: "p", maxNewTokens: 9, temperature: 0.5, topK: 40, topP: 0.9, repetitionPenalty: 1.2, minNewTokens: 1, seed: 11, logitBias: new Map([[5, -100], [12, 0.5]]), presencePenalty: 0.4, frequencyPenalty: 0.3}).result;
    expect(eos).toMatchObject({text: "ab", stopReason: "eos", promptTokens: 7, completionTokens: 2});
    expect(seen.find((s) => s.path === "POST /v1/completions")!.body).toMatchObject({
      temperature: 0.5, top_k: 40, top_p: 0.9, min_p: 0, repetition_penalty: 1.2, min_tokens: 1, seed: 11, logit_bias: {"5": -100, "12": 0.5}, presence_penalty: 0.4, frequency_penalty: 0.3
    });
    const length = await engine.generate({prompt: "p", maxNewTokens: 2}).result;
    expect(length.stopReason).toBe("length");
    await engine.close();
  });

  it("reads a server that answers with one JSON body instead of a stream", async () => {
    routes.set("POST /v1/completions", (_, __, res) =>
      json(res, 200, {choices: [{index: 0, text: " whole answer <human>: more", finish_reason: "stop"}], usage: {prompt_tokens: 3, completion_tokens: 6}})
    );
    const engine = await connect();
    const result = await engine.generate({prompt: "p", maxNewTokens: 9, stop: ["<human>:"]}).result;
    expect(result).toMatchObject({text: " whole answer ", stopReason: "stop", stopString: "<human>:"});
    await engine.close();
  });

  it("retries 503 and 429 with backoff, then succeeds", async () => {
    let calls = 0;
    routes.set("POST /v1/completions", (_, __, res) => {
      calls++;
      if (calls === 1) return json(res, 503, {error: {message: "loading"}});
      if (calls === 2) return json(res, 429, {error: {message: "slow down"}}, {"retry-after": "0"});
      return streamChunks(res, ["ok"]);
    });
    const engine = await connect();
    expect((await engine.generate({prompt: "p", maxNewTokens: 5}).result).text).toBe("ok");
    expect(calls).toBe(3);
    await engine.close();
  });

  it("gives up after the retries with one clear error naming the URL and status", async () => {
    routes.set("POST /v1/completions", (_, __, res) => json(res, 503, {error: {message: "model is loading"}}));
    const engine = await connect();
    const error = await engine.generate({prompt: "p", maxNewTokens: 5}).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteServerError);
    expect((error as Error).message).toBe(`http://127.0.0.1:${port}/v1/completions: HTTP 503 after 3 attempts: model is loading`);
    expect((error as RemoteServerError).status).toBe(503);
    await engine.close();
  });

  it("turns the server's context-length refusal into a ContextOverflowError with both numbers", async () => {
    routes.set("POST /v1/completions", (_, __, res) =>
      json(res, 400, {object: "error", message: "This model's maximum context length is 1024 tokens. However, you requested 1100 tokens (1000 in the messages, 100 in the completion). Please reduce the length."})
    );
    const engine = await connect();
    const error = await engine.generate({prompt: "p", maxNewTokens: 100}).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect(error).toMatchObject({nPromptTokens: 1000, nCtx: 1024, exitCode: 3});
    await engine.close();
  });

  it("reports a server that does not answer in time, and one that cannot be reached", async () => {
    routes.set("POST /v1/completions", () => undefined);
    const engine = await connect(undefined, {timeoutMs: 200, retry: {retries: 0}});
    await expect(engine.generate({prompt: "p", maxNewTokens: 5}).result).rejects.toThrow("no response within 0.2s");
    await engine.close();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(createEngine({inferenceServer: `vllm:127.0.0.1:${closedPort}`, retry: {retries: 0}, timeoutMs: 2000})).rejects.toThrow(
      `http://127.0.0.1:${closedPort}/v1/models: cannot connect (ECONNREFUSED)`
    );
  });

  it("aborts mid-stream: stop reason abort, the partial text kept, the connection closed", async () => {
    routes.set("POST /v1/completions", (_, __, res) => streamChunks(res, Array.from({length: 200}, (_, i) => `t${i} `), {delayMs: 5}));
    const engine = await connect();
    const controller = new AbortController();
    const generation = engine.generate({prompt: "p", maxNewTokens: 500, signal: controller.signal});
    const deltas: string[] = [];
    for await (const delta of generation.stream) {
      deltas.push(delta);
      if (deltas.join("").includes("t3 ")) controller.abort();
    }
    const result = await generation.result;
    expect(result.stopReason).toBe("abort");
    expect(result.text).toBe(deltas.join(""));
    await vi.waitFor(() => expect(closedEarly).toBe(1));
    await engine.close();
  });

  it("ends at max_time with stop reason time", async () => {
    routes.set("POST /v1/completions", (_, __, res) => streamChunks(res, Array.from({length: 200}, () => "x"), {delayMs: 5}));
    const engine = await connect();
    const result = await engine.generate({prompt: "p", maxNewTokens: 500, maxTime: 0.1}).result;
    expect(result.stopReason).toBe("time");
    // The server needs at least a second for its 200 pieces: a shorter text shows the stream was cut, not finished.
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.text.length).toBeLessThan(200);
    await vi.waitFor(() => expect(closedEarly).toBe(1));
    await engine.close();
  });

  it("sends messages to a chat endpoint (vllm_chat) and reads delta content", async () => {
    routes.set("POST /v1/chat/completions", (_, __, res) => streamChunks(res, ["Hel", "lo"], {chat: true}));
    const engine = await connect(`vllm_chat:127.0.0.1:${port}`);
    expect(engine.info.promptFormat).toBe("messages");
    expect(() => engine.generate({prompt: "p", maxNewTokens: 5})).toThrow(NotSupportedError);
    const messages = [{role: "system", content: "Be brief."}, {role: "user", content: "Hi"}] as const;
    const result = await engine.generateChat({messages, maxNewTokens: 5}).result;
    expect(result).toMatchObject({text: "Hello", stopReason: "eos"});
    expect(seen.find((s) => s.path === "POST /v1/chat/completions")!.body.messages).toEqual(messages);
    await engine.close();
  });

  it("embeds through /v1/embeddings, in input order", async () => {
    routes.set("POST /v1/embeddings", (_, body, res) =>
      json(res, 200, {data: (body.input as string[]).map((_, i) => ({index: i, embedding: [i, i + 0.5]})).reverse(), usage: {prompt_tokens: 4}})
    );
    const engine = await connect();
    expect(await engine.embed!(["a", "b"])).toEqual({vectors: [[0, 0.5], [1, 1.5]], promptTokens: 4});
    routes.delete("POST /v1/embeddings");
    await expect(engine.embed!(["a"])).rejects.toThrow(NotSupportedError);
    await engine.close();
  });

  it("checks the model name against the server's list", async () => {
    await expect(connect(undefined, {baseModel: "other-model"})).rejects.toThrow("does not serve other-model (it serves fake-model)");
  });
});
