import {describe, expect, it} from "vitest";
import {jsonInit, makeHarness, readSse} from "../../test/server/app-harness.js";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import type {EngineGenerateOptions, EngineGeneration} from "../engine/index.js";
import {engineModel} from "./engine-model.js";

/** An engine whose prompt cache held `cached` tokens of every prompt. */
class CachingEngine extends FakeEngine {
  constructor(private readonly cached: number) {
    super({script: ["one", " two"]});
  }

  override generate(options: EngineGenerateOptions): EngineGeneration {
    const generation = super.generate(options);
    return {stream: generation.stream, result: generation.result.then((result) => ({...result, cachedTokens: this.cached}))};
  }
}

function harness(engine: FakeEngine): ReturnType<typeof makeHarness> {
  return makeHarness({models: [engineModel({engine, name: "fake", promptType: "plain"})]});
}

describe("min_p and cached prompt tokens over HTTP", () => {
  it("passes min_p from /v1 and /api/generate to the engine, and refuses one out of range naming it", async () => {
    const engine = new FakeEngine({script: ["x"]});
    const {fetch} = harness(engine);
    const chat = await fetch("/v1/chat/completions", jsonInit({model: "fake", messages: [{role: "user", content: "hi"}], temperature: 0.7, min_p: 0.1}));
    expect(chat.status).toBe(200);
    const generate = await fetch("/api/generate", jsonInit({instruction: "hi", temperature: 0.7, min_p: 0.25, top_k: 0}));
    expect(generate.status).toBe(200);
    expect(engine.calls.map((call) => [call.options.minP, call.options.topK])).toEqual([
      [0.1, undefined],
      [0.25, 0]
    ]);

    for (const [path, body] of [
      ["/v1/completions", {model: "fake", prompt: "hi", min_p: 1.5}],
      ["/api/generate", {instruction: "hi", min_p: -0.1}]
    ] as const) {
      const refused = await fetch(path, jsonInit(body));
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toContain("min_p");
    }
    expect(engine.calls.length).toBe(2);
  });

  it("passes presence_penalty and frequency_penalty from /v1 to the engine, and refuses one out of OpenAI's range", async () => {
    const engine = new FakeEngine({script: ["x"]});
    const {fetch} = harness(engine);
    expect((await fetch("/v1/chat/completions", jsonInit({model: "fake", messages: [{role: "user", content: "hi"}], presence_penalty: 0.5, frequency_penalty: -1}))).status).toBe(200);
    expect((await fetch("/v1/completions", jsonInit({model: "fake", prompt: "hi", frequency_penalty: 2}))).status).toBe(200);
    expect(engine.calls.map((call) => [call.options.presencePenalty, call.options.frequencyPenalty])).toEqual([
      [0.5, -1],
      [undefined, 2]
    ]);
    const refused = await fetch("/v1/completions", jsonInit({model: "fake", prompt: "hi", presence_penalty: 2.5}));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain("presence_penalty: must be at most 2");
  });

  it("passes logit_bias from /v1 to the engine as token ids, and refuses a key or value it cannot use, naming it", async () => {
    const engine = new FakeEngine({script: ["x"]});
    const {fetch} = harness(engine);
    const chat = await fetch("/v1/chat/completions", jsonInit({model: "fake", messages: [{role: "user", content: "hi"}], logit_bias: {"50256": -100, "0": 2.5}}));
    expect(chat.status).toBe(200);
    const completion = await fetch("/v1/completions", jsonInit({model: "fake", prompt: "hi", logit_bias: {}, stream: true}));
    expect(completion.status).toBe(200);
    await completion.text();
    expect(engine.calls.map((call) => (call.options.logitBias == null ? undefined : [...call.options.logitBias]))).toEqual([
      [
        [0, 2.5],
        [50256, -100]
      ],
      undefined
    ]);

    for (const [bias, named] of [
      [{hello: 1}, 'logit_bias[\\"hello\\"]: keys are token ids'],
      [{"-1": 1}, "keys are token ids"],
      [{"007": 1}, "keys are token ids"],
      [{"5": 101}, "must be at most 100"],
      [{"5": "1"}, "expected a number"],
      [[1, 2], "logit_bias: expected a JSON object"]
    ] as const) {
      const refused = await fetch("/v1/completions", jsonInit({model: "fake", prompt: "hi", logit_bias: bias}));
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toContain(named);
    }
    expect(engine.calls.length).toBe(2);
  });

  it("reports the engine's cached prompt tokens as usage.prompt_tokens_details.cached_tokens, streamed or not", async () => {
    const {fetch} = harness(new CachingEngine(3));
    const plain = await (await fetch("/v1/completions", jsonInit({model: "fake", prompt: "a b c d e"}))).json();
    expect(plain.usage).toEqual({prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: {cached_tokens: 3}});

    const events = await readSse(await fetch("/v1/chat/completions", jsonInit({model: "fake", messages: [{role: "user", content: "a b"}], stream: true, stream_options: {include_usage: true}})));
    const chunks = events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("one two");
    expect(chunks.at(-1).usage.prompt_tokens_details).toEqual({cached_tokens: 3});
    // One `created` for the whole stream.
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
  });

  it("leaves prompt_tokens_details out when the engine cannot tell", async () => {
    const {fetch} = harness(new FakeEngine({script: ["x"]}));
    const plain = await (await fetch("/v1/completions", jsonInit({model: "fake", prompt: "a b"}))).json();
    expect(plain.usage).toEqual({prompt_tokens: 2, completion_tokens: 1, total_tokens: 3});
  });
});
