import {mkdtempSync} from "node:fs";
import {Agent, request as httpRequest} from "node:http";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, describe, expect, it, vi} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {jsonInit, makeHarness, readSse, type Harness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {startGeneration} from "../engine/index.js";
import {H2oGptError} from "../errors/index.js";
import {engineModel} from "./engine-model.js";
import {MAX_JSON_DEPTH, nestedDeeperThan} from "./read-json-body.js";
import type {GenerationOutcome, ServedModel} from "./served-model.js";
import {startServer} from "./start-server.js";

/** Bad requests, wherever they are found, are short 400s; never a 500, a stack trace, or a 200 with an error inside. */

afterEach(() => {
  vi.restoreAllMocks();
});

/** A served model over the real generate stage with a fake engine: a 64-token context, words counted as tokens. */
function smallContextModel(): ServedModel {
  return engineModel({engine: new FakeEngine({contextLength: 64, script: ["Hi", " there"]}), name: "small", promptType: "plain"});
}

/** A model whose engine sends "Hello" and then fails. */
function failingModel(): ServedModel {
  const run = (signal: AbortSignal) =>
    startGeneration(signal, async (io): Promise<GenerationOutcome> => {
      io.emit("Hello");
      await new Promise((resolve) => setImmediate(resolve));
      throw new H2oGptError("the engine failed mid-answer");
    });
  return {
    info: {name: "failing", engine: "test", contextLength: 2048, sequences: 1, embeddings: false},
    chat: (_request, signal) => run(signal),
    complete: (_request, signal) => run(signal),
    close: async () => {}
  };
}

async function answerRoute(harness: Harness, model: string, body: Record<string, unknown> = {}, content = "Who are you?"): Promise<Response> {
  const chat = await (await harness.fetch("/api/chats", jsonInit({models: [model]}))).json();
  expect((await harness.fetch(`/api/chats/${chat.id}/messages`, jsonInit({content}))).status).toBe(201);
  return harness.fetch(`/api/chats/${chat.id}/answer`, jsonInit({model, ...body}));
}

async function errorOf(response: Response): Promise<{message: string; code: string; param: string | null}> {
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  return (await response.json()).error;
}

describe("streaming requests are validated and budgeted before the response starts", () => {
  it("answers an unknown prompt_type with a 400 on all three streaming routes", async () => {
    const harness = makeHarness({models: [smallContextModel()]});
    const responses = [
      await harness.fetch("/v1/chat/completions", jsonInit({messages: [{role: "user", content: "hi"}], stream: true, prompt_type: "foo"})),
      await harness.fetch("/api/generate_stream", jsonInit({instruction: "hi", prompt_type: "foo"})),
      await answerRoute(harness, "small", {prompt_type: "foo"})
    ];
    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({param: "prompt_type", message: 'prompt_type: unknown prompt type "foo" (see h2ogpt prompt-types)'});
    }
  });

  it("answers a prompt too long for the context with a 400 context_length_exceeded on all three streaming routes", async () => {
    const harness = makeHarness({models: [smallContextModel()]});
    const long = "word ".repeat(200);
    const responses = [
      await harness.fetch("/v1/chat/completions", jsonInit({messages: [{role: "user", content: long}], stream: true})),
      await harness.fetch("/v1/completions", jsonInit({prompt: long, stream: true})),
      await harness.fetch("/api/generate_stream", jsonInit({instruction: long})),
      await answerRoute(harness, "small", {}, long)
    ];
    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({code: "context_length_exceeded", message: expect.stringMatching(/context holds 64/)});
    }
    expect(harness.registry.all[0]!.limiter.stats.running).toBe(0);
  });

  it("ends a stream whose engine fails after it began with an error event (and [DONE] on /v1)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const harness = makeHarness({models: [failingModel()]});

    const v1 = await harness.fetch("/v1/chat/completions", jsonInit({messages: [{role: "user", content: "hi"}], stream: true}));
    expect(v1.status).toBe(200);
    const v1Events = (await readSse(v1)).map((e) => e.data);
    expect(JSON.parse(v1Events[1]!).choices[0].delta.content).toBe("Hello");
    expect(JSON.parse(v1Events.at(-2)!).error).toMatchObject({code: "generation_failed", message: "the engine failed mid-answer"});
    expect(v1Events.at(-1)).toBe("[DONE]");

    const h2o = await readSse(await harness.fetch("/api/generate_stream", jsonInit({instruction: "hi"})));
    expect(h2o.map((e) => e.event)).toEqual(["delta", "error"]);
    expect(JSON.parse(h2o[1]!.data).error.message).toBe("the engine failed mid-answer");

    const ui = await readSse(await answerRoute(harness, "failing"));
    expect(ui.map((e) => e.event)).toEqual(["start", "delta", "error"]);
  });
});

describe("deeply nested bodies", () => {
  it("are refused with a 400 naming the limit, and nothing is logged", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const bodies: [string, string][] = [
      ["/v1/chat/completions", `{"messages": [{"role": ${deep}, "content": "x"}]}`],
      ["/v1/chat/completions", `{"messages": [{"role": "user", "content": [{"type": ${deep}}]}]}`],
      ["/v1/chat/completions", `{"messages": [{"role": "user", "content": "x"}], "temperature": ${deep}}`],
      ["/api/generate", `{"instruction": "x", "do_sample": ${deep}}`],
      ["/api/generate", deep]
    ];
    for (const [path, body] of bodies) {
      const response = await fetch(path, {method: "POST", headers: {"content-type": "application/json"}, body});
      expect(response.status, body.slice(0, 60)).toBe(400);
      expect(await errorOf(response)).toMatchObject({code: "too_deeply_nested", message: `body: nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`});
    }
    expect(errors).not.toHaveBeenCalled();
  });

  it("counts only brackets outside strings", () => {
    expect(nestedDeeperThan('{"a": [[1]]}', 3)).toBe(false);
    expect(nestedDeeperThan('{"a": [[[1]]]}', 3)).toBe(true);
    expect(nestedDeeperThan(JSON.stringify({a: "[[[[[[\\\"{{{{{{"}), 1)).toBe(false);
  });
});

describe("error messages", () => {
  it("quote at most about 200 characters of a bad value", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()], maxBodyBytes: 4 * 1024 * 1024});
    const huge = "x".repeat(1024 * 1024);
    const cases: [string, Record<string, unknown>][] = [
      ["/v1/chat/completions", {messages: [{role: huge, content: "x"}]}],
      ["/v1/chat/completions", {messages: [{role: "user", content: "x"}], temperature: huge}],
      ["/v1/chat/completions", {messages: [{role: "user", content: [{type: huge}]}]}],
      ["/v1/chat/completions", {messages: [{role: "user", content: "x"}], model: huge.slice(0, 200)}],
      ["/api/generate", {instruction: "x", visible_models: huge}],
      ["/api/generate", {instruction: "x", [huge]: 1}],
      ["/api/generate", {instruction: "x", do_sample: [huge]}]
    ];
    for (const [path, body] of cases) {
      const response = await fetch(path, jsonInit(body));
      expect(response.status).toBeGreaterThanOrEqual(400);
      const text = await response.text();
      expect(text.length, text.slice(0, 200)).toBeLessThan(600);
      expect(text).toContain("xxxxx");
    }
  });
});

describe("request fields", () => {
  it("say a number too large for JSON's doubles is not finite, instead of calling it null", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: '{"messages": [{"role": "user", "content": "x"}], "temperature": 1e999}'
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toBe("temperature: expected a finite number, got Infinity (too large to represent)");
  });

  it("take only the four roles, not names Object.prototype happens to have", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    for (const role of ["toString", "constructor", "__proto__"]) {
      const response = await fetch("/v1/chat/completions", jsonInit({messages: [{role, content: "x"}]}));
      expect(response.status, role).toBe(400);
      expect((await errorOf(response)).message).toBe(`messages[0].role: unsupported role "${role}" (system, developer, user or assistant)`);
    }
  });

  it("refuse empty embedding inputs, as OpenAI does", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel({embeddings: true})]});
    for (const [input, param] of [["", "input"], [["a", ""], "input[1]"]] as const) {
      const response = await fetch("/v1/embeddings", jsonInit({input}));
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({param, message: `${param}: must not be empty`});
    }
    expect((await fetch("/v1/embeddings", jsonInit({input: "a"}))).status).toBe(200);
  });

  it("name a served model, an alias of one, or none; any other model is a 404 model_not_found", async () => {
    const model = engineModel({engine: new FakeEngine({name: "fake-gguf-name", script: ["ok"]}), name: "served", promptType: "plain"});
    const {fetch} = makeHarness({models: [model]});
    const chat = (name?: string) => fetch("/v1/chat/completions", jsonInit({...(name == null ? {} : {model: name}), messages: [{role: "user", content: "hi"}]}));
    expect((await chat()).status).toBe(200);
    expect((await chat("served")).status).toBe(200);
    expect((await chat("fake-gguf-name")).status).toBe(200);
    const unknown = await chat("gpt-3.5-turbo");
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatchObject({code: "model_not_found", param: "model", message: 'model: no model named "gpt-3.5-turbo"; this server serves served'});
    expect((await fetch("/v1/embeddings", jsonInit({model: "nope", input: "a"}))).status).toBe(404);
    expect((await fetch("/api/generate", jsonInit({instruction: "x", visible_models: "nope"}))).status).toBe(404);
  });

  it("refuse unknown /api/generate fields, naming the nearest known one", async () => {
    const harness = makeHarness({models: [new ScriptedModel()]});
    const cases: [Record<string, unknown>, string][] = [
      [{instruction: "x", max_new_token: 5}, 'unknown field "max_new_token"; did you mean max_new_tokens?'],
      [{instruction: "x", temprature: 0}, 'unknown field "temprature"; did you mean temperature?'],
      [{instruction: "x", completely_different: 1}, 'unknown field "completely_different"']
    ];
    for (const [body, message] of cases) {
      const response = await harness.fetch("/api/generate", jsonInit(body));
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({code: "unknown_field", message});
    }
    const ui = await answerRoute(harness, "scripted", {max_new_token: 5});
    expect(ui.status).toBe(400);
    expect((await errorOf(ui)).message).toMatch(/did you mean max_new_tokens\?/);
  });
});

describe("a 413 on a keep-alive connection (a real listening server)", () => {
  it("says Connection: close, and the agent's next request succeeds on a new socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2ogpt-413-"));
    const server = await startServer({models: [new ScriptedModel()], port: 0, historyDb: join(dir, "h.db"), maxBodyBytes: 1000});
    const agent = new Agent({keepAlive: true, maxSockets: 1});
    const send = (method: string, path: string, body?: string) =>
      new Promise<{status: number; connection: string | undefined; text: string}>((resolve, reject) => {
        const request = httpRequest(`${server.url}${path}`, {method, agent, headers: body == null ? {} : {"content-type": "application/json"}}, (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({status: response.statusCode!, connection: response.headers.connection, text}));
        });
        request.on("error", reject);
        request.end(body);
      });
    try {
      const big = JSON.stringify({messages: [{role: "user", content: "y".repeat(200_000)}]});
      const refused = await send("POST", "/v1/chat/completions", big);
      expect(refused.status).toBe(413);
      expect(refused.connection).toBe("close");
      const next = await send("POST", "/v1/chat/completions", JSON.stringify({messages: [{role: "user", content: "hi"}]}));
      expect(next.status).toBe(200);
      expect(JSON.parse(next.text).choices[0].message.content).toBe("echo: hi");
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
