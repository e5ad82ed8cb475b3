import type {ChildProcess} from "node:child_process";
import {mkdtempSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ChatOpenAI} from "@langchain/openai";
import OpenAI from "openai";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {tinyServedModel} from "../../test/server/real-model.js";
import {spawnServe, type ServeProcess} from "../../test/server/serve-process.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {InsecureBindError, startServer, type RunningServer, type ServedModel} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-serve-"));

describe.skipIf(tinyLlamaPath == null)("h2ogpt serve over HTTP with llama.cpp (tiny random model)", () => {
  let server: RunningServer;
  let client: OpenAI;

  /** Why each chat generation ended, so a test can tell an aborted answer from one that ran to its end. */
  const stopReasons: string[] = [];

  beforeAll(async () => {
    const tiny = await tinyServedModel({sequences: 2, name: "any"});
    const recording: ServedModel = {
      info: tiny.info,
      chat: (request, signal) => {
        const run = tiny.chat(request, signal);
        run.result.then((outcome) => stopReasons.push(outcome.stopReason), () => stopReasons.push("error"));
        return run;
      },
      complete: (request, signal) => tiny.complete(request, signal),
      embed: (inputs, signal) => tiny.embed!(inputs, signal),
      close: () => tiny.close()
    };
    server = await startServer({models: [recording], port: 0, historyDb: join(dir, "api.db"), concurrency: 1, maxQueue: 0});
    client = new OpenAI({apiKey: "sk-not-needed", baseURL: `${server.url}/v1`, maxRetries: 0});
  });
  afterAll(() => server?.close());

  it("answers the openai client (chat and completions, streaming and not) deterministically at temperature 0", async () => {
    const messages = [{role: "user" as const, content: "Who are you?"}];
    const first = await client.chat.completions.create({model: "any", messages, max_tokens: 24, temperature: 0});
    const again = await client.chat.completions.create({model: "any", messages, max_tokens: 24, temperature: 0});
    expect(first.choices[0]!.message.content).toBe(again.choices[0]!.message.content);
    expect(first.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(first.usage!.completion_tokens).toBeLessThanOrEqual(24);
    expect(first.usage!.prompt_tokens).toBeGreaterThan(3);

    const stream = await client.chat.completions.create({model: "any", messages, max_tokens: 24, temperature: 0, stream: true});
    let streamed = "";
    let chunks = 0;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      chunks++;
    }
    expect(streamed).toBe(first.choices[0]!.message.content);
    expect(chunks).toBeGreaterThan(3);

    const completion = await client.completions.create({model: "any", prompt: "Once upon a time", max_tokens: 10});
    expect(completion.usage).toMatchObject({completion_tokens: 10});
    expect(completion.choices[0]!.finish_reason).toBe("length");

    const generated = await fetch(`${server.url}/api/generate`, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({instruction: "Who are you?", max_new_tokens: 24, temperature: 0})
    });
    const body = await generated.json();
    expect(body.response).toBe(first.choices[0]!.message.content);
    expect(body.prompt_raw).toContain("Who are you?");
    expect(body).toMatchObject({prompt_tokens: first.usage!.prompt_tokens, completion_tokens: first.usage!.completion_tokens, max_new_tokens: 24, turns_dropped: 0});
    expect(["eos", "length"]).toContain(body.stop_reason);

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([server.registry.names[0]]);
    const embeddings = await client.embeddings.create({model: "any", input: ["hello", "world"]});
    expect(embeddings.data.map((d) => d.embedding.length)).toEqual([8, 8]);
  });

  it("works with LangChain.js ChatOpenAI pointed at it", async () => {
    const chat = new ChatOpenAI({model: "any", apiKey: "sk-not-needed", temperature: 0, maxTokens: 16, maxRetries: 0, configuration: {baseURL: `${server.url}/v1`}});
    const answer = await chat.invoke("Hello!");
    expect(typeof answer.content).toBe("string");
    expect((answer.content as string).length).toBeGreaterThan(0);
    let streamed = "";
    for await (const chunk of await chat.stream("Hello!")) streamed += chunk.content;
    expect(streamed).toBe(answer.content);
  });

  it("answers 429 with Retry-After when busy, and a client that disconnects frees its slot at once", async () => {
    const limiter = server.registry.all[0]!.limiter;
    const controller = new AbortController();
    const long = await client.chat.completions.create(
      {model: "any", messages: [{role: "user", content: "Talk for a long time."}], max_tokens: 1900, stream: true},
      {signal: controller.signal}
    );
    const iterator = long[Symbol.asyncIterator]();
    await iterator.next();
    expect(limiter.stats.running).toBe(1);

    const busy = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({messages: [{role: "user", content: "me too"}], max_tokens: 4})
    });
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    controller.abort();
    await iterator.next().catch(() => undefined);
    await vi.waitFor(
      () => {
        expect(limiter.stats.running).toBe(0);
        // Freed by the abort, not by the answer reaching its end.
        expect(stopReasons.at(-1)).toBe("abort");
      },
      {timeout: 10_000}
    );
    const after = await client.chat.completions.create({model: "any", messages: [{role: "user", content: "next"}], max_tokens: 4});
    expect(after.choices).toHaveLength(1);
  });

  it("caps the request body with 413", async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({messages: [{role: "user", content: "x".repeat(2 * 1024 * 1024)}]})
    });
    expect(response.status).toBe(413);
  });

  it("refuses a public bind without users or keys, and allows it with keys", async () => {
    const model = {info: server.registry.all[0]!.model.info} as never;
    await expect(startServer({models: [model], host: "0.0.0.0", port: 0, historyDb: join(dir, "bind.db")})).rejects.toBeInstanceOf(InsecureBindError);
    const keyed = await startServer({models: [await tinyServedModel()], host: "0.0.0.0", port: 0, historyDb: join(dir, "bind.db"), apiKeysEnv: "sk-bind-test-123"});
    const unauthorized = await fetch(`http://127.0.0.1:${keyed.port}/v1/models`);
    expect(unauthorized.status).toBe(401);
    await keyed.close();
  });
});

/** Every server process a test starts, so none outlives the test run even when an assertion fails. */
const children: ChildProcess[] = [];

function startChild(db: string): Promise<ServeProcess> {
  return spawnServe([`--base_model=${tinyLlamaPath}`, "--prompt_type=plain", "--port=0", `--history_db=${db}`, "--max_seq_len=4096"], {children});
}

describe.skipIf(tinyLlamaPath == null)("history durability", () => {
  afterAll(() => {
    for (const child of children) if (child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
  });

  it("kill -9 during an answer loses nothing already stored, and the chat is there after a restart", async () => {
    const db = join(dir, "kill.db");
    const first = await startChild(db);
    const json = {"content-type": "application/json"};
    const chat = await (await fetch(`${first.url}/api/chats`, {method: "POST", headers: json, body: "{}"})).json();
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${first.url}/api/chats/${chat.id}${path}`, {method: "POST", headers: json, body: JSON.stringify(body)});
    await post("/messages", {content: "first question"});
    const done = await (await post("/answer", {model: chat.models[0], max_new_tokens: 8})).text();
    expect(done).toContain("event: done");
    await post("/messages", {content: "second question"});

    // The longest answer the context allows, killed as soon as the server has stored part of it (it saves a
    // streaming answer every half second) while it is still streaming: no guess at how fast the model is.
    const response = await post("/answer", {model: chat.models[0], max_new_tokens: 4000});
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    let saved: {content: string; status: string} | undefined;
    while (saved == null) {
      const {value, done: ended} = await reader.read();
      expect(ended, "the answer ended before the server stored any of it").toBe(false);
      received += decoder.decode(value, {stream: true});
      const answer = (await (await fetch(`${first.url}/api/chats/${chat.id}`)).json()).messages[3];
      expect(answer.status, "the answer finished before the server stored part of it").toBe("streaming");
      if (answer.content !== "") saved = answer;
    }
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    // Whatever the server sent before it died.
    for (;;) {
      const next = await reader.read().catch(() => ({done: true, value: undefined}));
      if (next.done) break;
      received += decoder.decode(next.value, {stream: true});
    }
    expect(received).toContain("event: delta");

    const second = await startChild(db);
    try {
      const restored = await (await fetch(`${second.url}/api/chats/${chat.id}`)).json();
      const shown = restored.messages.map((m: {role: string; content: string; status: string}) => [m.role, m.status]);
      expect(shown).toEqual([["user", "complete"], ["assistant", "complete"], ["user", "complete"], ["assistant", "interrupted"]]);
      expect(restored.messages[2].content).toBe("second question");
      const partial: string = restored.messages[3].content;
      expect(partial.startsWith(saved.content)).toBe(true);
      const streamedText = received
        .split("\n\n")
        .filter((block) => block.startsWith("event: delta"))
        .map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)).text)
        .join("");
      // Both are prefixes of the one generated text; which is longer depends on what was still in the server's
      // socket buffers when it died.
      expect(streamedText.startsWith(partial) || partial.startsWith(streamedText), `streamed ${JSON.stringify(streamedText.slice(0, 80))}..., stored ${JSON.stringify(partial.slice(0, 80))}...`).toBe(true);
      const list = await (await fetch(`${second.url}/api/chats`)).json();
      expect(list.chats.map((c: {id: string; title: string}) => [c.id, c.title])).toEqual([[chat.id, "first question"]]);
    } finally {
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
    }
  });
});
