import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {tinyServedModel} from "../../test/server/real-model.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {writeScoreModel} from "../../test/support/score-model.js";
import {loadScoreModel, type ScoreModel, scoreText, sigmoid} from "../score/index.js";
import {startServer, type RunningServer} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-score-api-"));

/** `event`/`data` pairs of an SSE body. */
function sseEvents(text: string): {event: string; data: string}[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event:"))?.slice(6).trim() ?? "message";
      const data = lines.filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
      return {event, data};
    });
}

describe.skipIf(tinyLlamaPath == null)("serve --score_model: answers carry h2oGPT's score", () => {
  let server: RunningServer;
  let reference: ScoreModel;
  const expected = async (question: string, answer: string) => {
    const score = sigmoid((await reference.logits([{question, answer}]))[0]!);
    return {score, score_text: scoreText([score])};
  };
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});

  beforeAll(async () => {
    const modelDir = join(dir, "reward");
    writeScoreModel(modelDir);
    reference = await loadScoreModel({path: modelDir});
    server = await startServer({models: [await tinyServedModel({name: "any"})], port: 0, historyDb: join(dir, "h.db"), scoreModel: await loadScoreModel({path: modelDir})});
  });
  afterAll(async () => {
    await server?.close();
    await reference?.dispose();
    rmSync(dir, {recursive: true, force: true});
  });

  it("/api/info says scoring is on; /api/generate and /api/generate_stream carry score and score_text", async () => {
    expect((await (await fetch(`${server.url}/api/info`)).json()).score_model).toBe(true);
    const body = await (await post("/api/generate", {instruction: "Who are you?", max_new_tokens: 8})).json();
    expect(body.response.length).toBeGreaterThan(0);
    expect(body).toMatchObject(await expected("Who are you?", body.response));
    const events = sseEvents(await (await post("/api/generate_stream", {instruction: "Who are you?", iinput: "briefly", max_new_tokens: 8})).text());
    const result = JSON.parse(events.at(-1)!.data);
    expect(events.at(-1)!.event).toBe("result");
    expect(result).toMatchObject(await expected("Who are you?\nbriefly", result.response));
  });

  it("/v1 chat completions carry it beside the choices, and on the last chunk of a stream", async () => {
    const messages = [{role: "user", content: "Who are you?"}];
    const body = await (await post("/v1/chat/completions", {model: "any", messages, max_tokens: 8})).json();
    const answer = body.choices[0].message.content;
    expect(body).toMatchObject(await expected("Who are you?", answer));
    const events = sseEvents(await (await post("/v1/chat/completions", {model: "any", messages, max_tokens: 8, stream: true})).text());
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
    const streamed = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
    expect(chunks.slice(0, -1).every((chunk) => !("score" in chunk))).toBe(true);
    expect(chunks.at(-1)).toMatchObject(await expected("Who are you?", streamed));
    const completion = await (await post("/v1/completions", {model: "any", prompt: "Once upon a time", max_tokens: 6})).json();
    expect(completion).toMatchObject(await expected("Once upon a time", completion.choices[0].text));
  });

  it("the UI's answer stream ends with a score event after done", async () => {
    const chat = await (await post("/api/chats", {})).json();
    await post(`/api/chats/${chat.id}/messages`, {content: "Who are you?"});
    const events = sseEvents(await (await post(`/api/chats/${chat.id}/answer`, {model: "any", max_new_tokens: 8})).text());
    expect(events.map((event) => event.event).slice(-2)).toEqual(["done", "score"]);
    const done = JSON.parse(events.at(-2)!.data);
    expect(JSON.parse(events.at(-1)!.data)).toEqual(await expected("Who are you?", done.content));
  });
});
