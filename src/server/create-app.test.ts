import {ChatOpenAI} from "@langchain/openai";
import OpenAI from "openai";
import {describe, expect, it, vi} from "vitest";
import {jsonInit, makeHarness, readSse} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {loadApiKeys} from "./api-keys.js";
import {LoginThrottle} from "./login-throttle.js";
import {hashPassword} from "./password-hash.js";

function openaiClient(fetch: typeof globalThis.fetch, apiKey = "unused"): OpenAI {
  return new OpenAI({apiKey, baseURL: "http://127.0.0.1:7860/v1", fetch, maxRetries: 0});
}

describe("OpenAI-compatible API (in-process, scripted model)", () => {
  it("answers chat completions for the openai client, streaming and not, with usage and n", async () => {
    const model = new ScriptedModel();
    const {fetch} = makeHarness({models: [model]});
    const client = openaiClient(fetch);

    const completion = await client.chat.completions.create({
      model: "scripted",
      messages: [{role: "system", content: "be brief"}, {role: "user", content: "hello there"}],
      temperature: 0,
      seed: 7,
      n: 2
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("scripted");
    expect(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "echo: hello there", "stop"],
      [1, "echo: hello there", "stop"]
    ]);
    expect(completion.usage).toEqual({prompt_tokens: 6, completion_tokens: 6, total_tokens: 12});
    expect(model.requests.map((r) => r.params.seed)).toEqual([7, 8]);
    expect(model.requests[0]).toMatchObject({input: {messages: [{role: "system", content: "be brief"}, {role: "user", content: "hello there"}]}});

    const stream = await client.chat.completions.create({
      model: "scripted",
      messages: [{role: "user", content: [{type: "text", text: "one two three four"}]}],
      stream: true,
      stream_options: {include_usage: true},
      max_tokens: 3
    });
    const deltas: string[] = [];
    const finish: (string | null)[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.delta.content) deltas.push(choice.delta.content);
        if (choice.finish_reason) finish.push(choice.finish_reason);
      }
    }
    expect(deltas.join("")).toBe("echo: one two ");
    expect(deltas.length).toBe(3);
    expect(finish).toEqual(["length"]);
    expect(usage).toMatchObject({completion_tokens: 3});
  });

  it("passes stop, top_p, top_k, repetition_penalty and the server's default max_tokens through", async () => {
    const model = new ScriptedModel();
    const {fetch} = makeHarness({models: [model]});
    const completion = await openaiClient(fetch).chat.completions.create({
      model: "scripted",
      messages: [{role: "user", content: "alpha beta gamma"}],
      stop: ["gamma"],
      top_p: 0.5,
      // @ts-expect-error vLLM-style extensions the server accepts
      top_k: 5,
      repetition_penalty: 1.2
    });
    expect(completion.choices[0]!.message.content).toBe("echo: alpha beta ");
    expect(model.requests[0]!.params).toMatchObject({stop: ["gamma"], topP: 0.5, topK: 5, repetitionPenalty: 1.2, maxNewTokens: 256});
  });

  it("answers text completions, with echo and streaming", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const client = openaiClient(fetch);
    const completion = await client.completions.create({model: "scripted", prompt: "Once", echo: true});
    expect(completion.choices[0]!.text).toBe("Once continued Once");
    const stream = await client.completions.create({model: "scripted", prompt: "Once", stream: true});
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe(" continued Once");
  });

  it("works with LangChain.js ChatOpenAI, invoke and stream", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const chat = new ChatOpenAI({
      model: "scripted",
      apiKey: "unused",
      temperature: 0,
      maxRetries: 0,
      configuration: {baseURL: "http://127.0.0.1:7860/v1", fetch}
    });
    const message = await chat.invoke([["system", "be brief"], ["human", "what is h2oGPT"]]);
    expect(message.content).toBe("echo: what is h2oGPT");
    let streamed = "";
    for await (const chunk of await chat.stream("stream me")) streamed += chunk.content;
    expect(streamed).toBe("echo: stream me");
  });

  it("refuses bad requests with OpenAI-shaped errors naming the field", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel({name: "a"}), new ScriptedModel({name: "b"})], maxNewTokensCap: 100});
    const client = openaiClient(fetch);
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{model: "a", messages: [{role: "user", content: "x"}], temperature: 5}, 400, /temperature: must be at most 2, got 5/],
      [{model: "a", messages: [{role: "user", content: "x"}], max_tokens: 101}, 400, /max_tokens: 101 exceeds this server's limit of 100/],
      [{model: "a", messages: []}, 400, /messages: expected a non-empty list/],
      [{model: "a", messages: [{role: "tool", content: "x"}]}, 400, /messages\[0\]\.role: unsupported role "tool"/],
      [{model: "a", messages: [{role: "user", content: [{type: "image_url", image_url: {url: "x"}}]}]}, 400, /only text parts/],
      [{model: "a", messages: [{role: "user", content: "x"}], tools: [{type: "function", function: {name: "f"}}]}, 400, /tool calling is not supported/],
      [{model: "a", messages: [{role: "user", content: "x"}], n: 99}, 400, /n: must be at most 8/],
      [{model: "nope", messages: [{role: "user", content: "x"}]}, 404, /no model named "nope"; this server serves a, b/]
    ];
    for (const [body, status, message] of cases) {
      const error = await client.chat.completions.create(body as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(body)).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect((error as Error).message).toMatch(message);
    }
    const raw = await fetch("/v1/chat/completions", {method: "POST", headers: {"content-type": "application/json"}, body: "{oops"});
    expect(raw.status).toBe(400);
    expect((await raw.json()).error).toMatchObject({type: "invalid_request_error", code: "invalid_json"});
    const form = await fetch("/v1/chat/completions", {method: "POST", headers: {"content-type": "application/x-www-form-urlencoded"}, body: "a=b"});
    expect([form.status, (await form.json()).error.code]).toEqual([403, "cross_site_request"]);
    const xml = await fetch("/v1/chat/completions", {method: "POST", headers: {"content-type": "application/xml", "x-requested-with": "curl"}, body: "<a/>"});
    expect(xml.status).toBe(415);
  });

  it("lists models and serves embeddings (float and base64) where the engine has them", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel({name: "emb", embeddings: true}), new ScriptedModel({name: "plain"})]});
    const client = openaiClient(fetch);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["emb", "plain"]);
    const viaBase64 = await client.embeddings.create({model: "emb", input: ["hello world", "x"]});
    expect(viaBase64.data.map((d) => d.embedding)).toEqual([[11, 0.5, -1], [1, 0.5, -1]]);
    const asFloats = await client.embeddings.create({model: "emb", input: "abc", encoding_format: "float"});
    expect(asFloats.data[0]!.embedding).toEqual([3, 0.5, -1]);
    expect(asFloats.usage).toEqual({prompt_tokens: 1, total_tokens: 1});
    await expect(client.embeddings.create({model: "plain", input: "abc"})).rejects.toThrow(/model "plain" has no embeddings/);
  });
});

describe("limits", () => {
  it("answers 413 for a body over the cap, before reading it all", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()], maxBodyBytes: 1000});
    const response = await fetch("/v1/chat/completions", jsonInit({model: "scripted", messages: [{role: "user", content: "y".repeat(2000)}]}));
    expect(response.status).toBe(413);
    expect((await response.json()).error).toMatchObject({code: "body_too_large", message: "request body larger than 1000 bytes"});
  });

  it("queues beyond --concurrency and answers 429 with Retry-After when the queue is full", async () => {
    const model = new ScriptedModel({tokenDelayMs: 20, answer: () => "a b c d e f g h"});
    const {fetch, registry} = makeHarness({models: [model], concurrency: 1, maxQueue: 1});
    const body = {model: "scripted", messages: [{role: "user", content: "go"}], stream: true};
    const first = await fetch("/v1/chat/completions", jsonInit(body));
    expect(first.status).toBe(200);
    const second = fetch("/v1/chat/completions", jsonInit(body));
    await vi.waitFor(() => expect(registry.all[0]!.limiter.stats).toMatchObject({running: 1, queued: 1}));
    const third = await fetch("/v1/chat/completions", jsonInit(body));
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await third.json()).error).toMatchObject({type: "rate_limit_error", code: "queue_full"});
    await first.text();
    const secondResponse = await second;
    expect(secondResponse.status).toBe(200);
    expect((await readSse(secondResponse)).at(-1)!.data).toBe("[DONE]");
    expect(registry.all[0]!.limiter.stats).toMatchObject({running: 0, queued: 0});
  });

  it("aborts the generation and frees the slot when the client goes away", async () => {
    // An answer far longer than the wait below, so only the abort can free the slot in time.
    const model = new ScriptedModel({tokenDelayMs: 30, answer: () => "w ".repeat(100_000)});
    const {fetch, registry} = makeHarness({models: [model], concurrency: 1, maxQueue: 0});
    const controller = new AbortController();
    const response = await fetch("/v1/chat/completions", {
      ...jsonInit({model: "scripted", messages: [{role: "user", content: "go"}], stream: true}),
      signal: controller.signal
    });
    const reader = response.body!.getReader();
    await reader.read();
    expect(model.active).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => {});
    await vi.waitFor(() => expect(registry.all[0]!.limiter.stats.running).toBe(0), {timeout: 5000});
    expect(model.active).toBe(0);
  });
});

describe("h2oGPT API", () => {
  it("takes h2oGPT's parameter names and returns response, prompt_raw, token counts and stop_reason", async () => {
    const model = new ScriptedModel();
    const {fetch} = makeHarness({models: [model]});
    const response = await fetch(
      "/api/generate",
      jsonInit({
        instruction: "Who are you?",
        iinput: "extra",
        system_prompt: "You are h2oGPT.",
        prompt_type: "human_bot",
        prompt_dict: "{'promptA': ''}",
        chat_conversation: [["hi", "hello"]],
        max_new_tokens: 2,
        temperature: 0,
        top_k: 1,
        repetition_penalty: 1.07,
        max_time: 30
      })
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({response: "echo: Who ", prompt_raw: "Who are you?", completion_tokens: 2, max_new_tokens: 2, stop_reason: "length", turns_dropped: 0, model: "scripted"});
    expect(typeof body.prompt_tokens).toBe("number");
    expect(model.requests[0]).toMatchObject({
      input: {history: [["hi", "hello"]], instruction: "Who are you?", iinput: "extra"},
      systemPrompt: "You are h2oGPT.",
      promptType: "human_bot",
      promptDict: {promptA: ""},
      params: {maxNewTokens: 2, temperature: 0, topK: 1, repetitionPenalty: 1.07, maxTime: 30}
    });

    const stream = await fetch("/api/generate_stream", jsonInit({instruction: "a b"}));
    const events = await readSse(stream);
    expect(events.filter((e) => e.event === "delta").map((e) => JSON.parse(e.data).text).join("")).toBe("echo: a b");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({response: "echo: a b", stop_reason: "eos"});

    const two = makeHarness({models: [new ScriptedModel({name: "a"}), new ScriptedModel({name: "b", answer: () => "from b"})]});
    expect((await (await two.fetch("/api/generate", jsonInit({instruction: "x", visible_models: 1}))).json()).response).toBe("from b");
    expect((await (await two.fetch("/api/generate", jsonInit({instruction: "x", visible_models: ["b"]}))).json()).model).toBe("b");
    expect((await two.fetch("/api/generate", jsonInit({instruction: "x", visible_models: 2}))).status).toBe(404);
    await fetch("/api/generate", jsonInit({instruction: "x", context: "<human>: Hi\n<bot>: Hello!\n"}));
    expect(model.requests.at(-1)).toMatchObject({input: {history: [], instruction: "x", context: "<human>: Hi\n<bot>: Hello!\n"}});
    expect((await (await fetch("/api/generate", jsonInit({instruction: "x", context: 5}))).json()).error.message).toMatch(/^context: /);

    const beams = await fetch("/api/generate", jsonInit({instruction: "x", num_beams: 2}));
    expect(beams.status).toBe(400);
    expect((await beams.json()).error.message).toMatch(/num_beams: beam search is not supported/);
    const missing = await fetch("/api/generate", jsonInit({iinput: "x"}));
    expect((await missing.json()).error.message).toBe("instruction: is required");
  });
});

describe("auth, keys and isolation", () => {
  it("requires a valid Bearer key on /v1 and /api when keys are set; /health stays open", async () => {
    const apiKeys = loadApiKeys({env: "sk-test-1234567890,sk-test-7654321098"});
    const {fetch} = makeHarness({models: [new ScriptedModel()], apiKeys});
    for (const path of ["/v1/models", "/api/info", "/api/chats"]) {
      const none = await fetch(path);
      expect(none.status, path).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe("Bearer");
      expect((await fetch(path, {headers: {authorization: "Bearer sk-wrong-1234567"}})).status).toBe(401);
      expect((await fetch(path, {headers: {authorization: "Bearer sk-test-1234567890"}})).status).toBe(200);
    }
    expect(await (await fetch("/health")).json()).toEqual({status: "ok"});
    await expect(openaiClient(fetch, "sk-nope-0000000").models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await openaiClient(fetch, "sk-test-7654321098").models.list()).data).toHaveLength(1);
    const page = await fetch("/", {redirect: "manual"});
    expect([page.status, page.headers.get("location")]).toEqual([302, "/login"]);
  });

  it("logs users in with HttpOnly SameSite=Strict cookies, and another user's chat id answers 404", async () => {
    const users = new Map([
      ["alice", {username: "alice", passwordHash: await hashPassword("pw-alice")}],
      ["bob", {username: "bob", passwordHash: await hashPassword("pw-bob")}]
    ]);
    const {fetch} = makeHarness({models: [new ScriptedModel()], users});
    const wrong = await fetch("/auth/login", jsonInit({username: "alice", password: "nope"}));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const unknown = await fetch("/auth/login", jsonInit({username: "mallory", password: "nope"}));
    expect((await unknown.json()).error.message).toBe("wrong username or password");

    const login = async (username: string, password: string): Promise<string> => {
      const response = await fetch("/auth/login", jsonInit({username, password}));
      expect(response.status).toBe(200);
      const cookie = response.headers.get("set-cookie")!;
      expect(cookie).toMatch(/^h2ogpt_session=[\w-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Strict$/);
      return cookie.split(";")[0]!;
    };
    const alice = await login("alice", "pw-alice");
    const bob = await login("bob", "pw-bob");

    const created = await fetch("/api/chats", jsonInit({}, {cookie: alice}));
    const chat = await created.json();
    expect(created.status).toBe(201);
    await fetch(`/api/chats/${chat.id}/messages`, jsonInit({content: "alice's secret"}, {cookie: alice}));

    const missingId = "A".repeat(22);
    for (const [method, suffix, body] of [
      ["GET", "", undefined],
      ["DELETE", "", undefined],
      ["PATCH", "", {title: "mine"}],
      ["POST", "/messages", {content: "x"}],
      ["POST", "/answer", {model: "scripted"}],
      ["POST", "/undo", {}],
      ["POST", "/clear", {}]
    ] as const) {
      // Body-less requests carry the header the UI sends (request-guards.ts).
      const init = body == null ? {method, headers: {cookie: bob, "x-requested-with": "h2ogpt"}} : jsonInit(body, {cookie: bob}, method);
      const theirs = await fetch(`/api/chats/${chat.id}${suffix}`, init);
      const absent = await fetch(`/api/chats/${missingId}${suffix}`, init);
      expect([method, suffix, theirs.status], "another user's chat").toEqual([method, suffix, 404]);
      const text = await theirs.text();
      expect(text).not.toContain("secret");
      expect(text).toBe(await absent.text());
    }
    expect((await (await fetch("/api/chats", {headers: {cookie: bob}})).json()).chats).toEqual([]);
    const mine = await (await fetch(`/api/chats/${chat.id}`, {headers: {cookie: alice}})).json();
    expect(mine.messages.map((m: {content: string}) => m.content)).toEqual(["alice's secret"]);

    expect((await fetch("/auth/logout", {method: "POST", headers: {cookie: alice, "x-requested-with": "h2ogpt"}})).status).toBe(200);
    expect((await fetch("/api/chats", {headers: {cookie: alice}})).status).toBe(401);
    const session = await (await fetch("/auth/session", {headers: {cookie: bob}})).json();
    expect(session).toEqual({user: "bob", via: "session", auth_required: true, login_methods: ["password"]});
  });

  it("lets a key holder log in to the UI with the key; each key sees only its own chats", async () => {
    const apiKeys = loadApiKeys({env: "sk-first-1234567890,sk-second-1234567890"});
    const {fetch} = makeHarness({models: [new ScriptedModel()], apiKeys});
    const session = await (await fetch("/auth/session")).json();
    expect(session).toMatchObject({user: null, auth_required: true, login_methods: ["api_key"]});
    const bad = await fetch("/auth/login", jsonInit({api_key: "sk-nope-1234567"}));
    expect([bad.status, (await bad.json()).error.message]).toEqual([401, "invalid API key"]);
    const login = await fetch("/auth/login", jsonInit({api_key: "sk-first-1234567890"}));
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const chat = await (await fetch("/api/chats", jsonInit({}, {cookie}))).json();
    const viaKey = await fetch(`/api/chats/${chat.id}`, {headers: {authorization: "Bearer sk-first-1234567890"}});
    expect(viaKey.status).toBe(200);
    const otherKey = await fetch(`/api/chats/${chat.id}`, {headers: {authorization: "Bearer sk-second-1234567890"}});
    expect(otherKey.status).toBe(404);
    const page = await fetch("/", {headers: {cookie}});
    expect(page.status).toBe(200);
  });

  it("slows a user and address pair after repeated failed logins", async () => {
    const users = new Map([["carol", {username: "carol", passwordHash: await hashPassword("right")}]]);
    const {fetch} = makeHarness({models: [new ScriptedModel()], users, loginThrottle: new LoginThrottle({pairFreeFailures: 3})});
    for (let i = 0; i < 3; i++) await fetch("/auth/login", jsonInit({username: "carol", password: `wrong${i}`}));
    const locked = await fetch("/auth/login", jsonInit({username: "carol", password: "right"}));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("an open server refuses other Host names (DNS rebinding) and cross-origin writes", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const rebound = await fetch("/api/chats", {headers: {host: "attacker.example:7860"}});
    expect(rebound.status).toBe(403);
    expect((await rebound.json()).error.code).toBe("host_not_allowed");
    expect((await fetch("/api/chats", {headers: {host: "localhost:7860"}})).status).toBe(200);
    const csrf = await fetch("/api/chats", jsonInit({}, {origin: "http://attacker.example"}));
    expect(csrf.status).toBe(403);
    expect((await fetch("/api/chats", jsonInit({}, {origin: "http://127.0.0.1:7860"}))).status).toBe(201);
  });

  it("lets --cors_origins call the API from a browser, without credentials", async () => {
    const apiKeys = loadApiKeys({env: "sk-cors-1234567890"});
    const {fetch} = makeHarness({models: [new ScriptedModel()], apiKeys, corsOrigins: ["https://app.example"]});
    const preflight = await fetch("/v1/chat/completions", {method: "OPTIONS", headers: {origin: "https://app.example", "access-control-request-method": "POST"}});
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const allowed = await fetch("/v1/chat/completions", jsonInit({messages: [{role: "user", content: "hi"}]}, {origin: "https://app.example", authorization: "Bearer sk-cors-1234567890"}));
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch("/v1/chat/completions", jsonInit({messages: [{role: "user", content: "hi"}]}, {origin: "https://evil.example", authorization: "Bearer sk-cors-1234567890"}));
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves the UI with a strict CSP and no-store API responses", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const page = await fetch("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect((await fetch("/app.js")).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch("/../../etc/passwd")).status).toBe(404);
    expect((await fetch("/%2e%2e%2fpackage.json")).status).toBe(404);
    expect((await fetch("/api/info")).headers.get("cache-control")).toBe("no-store");
    expect((await fetch("/login", {redirect: "manual"})).status).toBe(302);
  });
});

describe("chat history API", () => {
  it("stores a turn, streams and stores the answer with its numbers, regenerates, compares two models, undoes", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel({name: "a"}), new ScriptedModel({name: "b", answer: (p) => `b: ${p}`})]});
    const chat = await (await fetch("/api/chats", jsonInit({models: ["a", "b"]}))).json();
    expect(chat.models).toEqual(["a", "b"]);
    await fetch(`/api/chats/${chat.id}/messages`, jsonInit({content: "hello world"}));

    const answers = await Promise.all(
      ["a", "b"].map(async (model) => readSse(await fetch(`/api/chats/${chat.id}/answer`, jsonInit({model, max_new_tokens: 50, temperature: 0}))))
    );
    expect(answers[0]!.map((e) => e.event)).toEqual(["start", "delta", "delta", "delta", "done"]);
    const done = JSON.parse(answers[1]!.at(-1)!.data);
    expect(done).toMatchObject({status: "complete", content: "b: hello world", meta: {completionTokens: 3, stopReason: "eos", maxNewTokens: 50}});
    expect(done.meta.timeMs).toBeGreaterThanOrEqual(0);

    const stored = await (await fetch(`/api/chats/${chat.id}`)).json();
    expect(stored.title).toBe("hello world");
    expect(stored.messages.map((m: {role: string; model: string; content: string}) => [m.role, m.model, m.content])).toEqual([
      ["user", null, "hello world"],
      ["assistant", "a", "echo: hello world"],
      ["assistant", "b", "b: hello world"]
    ]);

    await readSse(await fetch(`/api/chats/${chat.id}/answer`, jsonInit({model: "a", max_new_tokens: 1})));
    const regenerated = await (await fetch(`/api/chats/${chat.id}`)).json();
    expect(regenerated.messages.filter((m: {model: string}) => m.model === "a").map((m: {content: string}) => m.content)).toEqual(["echo: "]);

    const list = await (await fetch("/api/chats")).json();
    expect(list.chats.map((c: {id: string}) => c.id)).toEqual([chat.id]);
    await fetch(`/api/chats/${chat.id}/undo`, jsonInit({}));
    expect((await (await fetch(`/api/chats/${chat.id}`)).json()).messages).toEqual([]);
    const noTurn = await fetch(`/api/chats/${chat.id}/answer`, jsonInit({model: "a"}));
    expect((await noTurn.json()).error.message).toBe("messages: the chat has no user message to answer");
    expect((await fetch(`/api/chats/${chat.id}`, {method: "DELETE", headers: {"x-requested-with": "h2ogpt"}})).status).toBe(200);
    expect((await fetch(`/api/chats/${chat.id}`)).status).toBe(404);
  });

  it("keeps a stopped answer's text with status stopped", async () => {
    const model = new ScriptedModel({tokenDelayMs: 20, answer: () => "w ".repeat(100_000)});
    const {fetch, store} = makeHarness({models: [model]});
    const chat = await (await fetch("/api/chats", jsonInit({}))).json();
    await fetch(`/api/chats/${chat.id}/messages`, jsonInit({content: "go"}));
    const controller = new AbortController();
    const response = await fetch(`/api/chats/${chat.id}/answer`, {...jsonInit({model: "scripted"}), signal: controller.signal});
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("event: delta")) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel().catch(() => {});
    const answer = await vi.waitFor(
      () => {
        const stored = store.getChat("local", chat.id)!.messages[1]!;
        expect(stored.status).toBe("stopped");
        return stored;
      },
      {timeout: 5000}
    );
    expect(answer.content.startsWith("w ")).toBe(true);
    expect(answer.content.length).toBeLessThan(200_000);
  });

  it("reports models, limits and prompt types to the UI", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel({notice: "tiny demo model"})]});
    expect(await (await fetch("/health")).json()).toEqual({status: "ok", models: ["scripted"]});
    const info = await (await fetch("/api/info")).json();
    expect(info).toMatchObject({
      user: "local",
      auth_required: false,
      prompt_types: ["plain", "human_bot"],
      limits: {max_new_tokens_cap: 512, default_max_new_tokens: 256},
      models: [{name: "scripted", engine: "scripted", context_length: 2048, sequences: 2, notice: "tiny demo model"}]
    });
  });
});
