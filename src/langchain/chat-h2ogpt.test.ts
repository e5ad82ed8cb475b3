import {AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage} from "@langchain/core/messages";
import {StringOutputParser} from "@langchain/core/output_parsers";
import {ChatPromptTemplate} from "@langchain/core/prompts";
import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {ContextOverflowError, NotSupportedError} from "../errors/index.js";
import {ChatH2oGpt} from "./index.js";

const script = [" I am", " h2oGPT", ".\n<hu", "man>: and more"];

describe("ChatH2oGpt on a fake engine", () => {
  it("invoke: h2oGPT's prompt from the messages, the response cut the h2oGPT way, usage in the metadata", async () => {
    const engine = new FakeEngine({script});
    const chat = new ChatH2oGpt({engine, promptType: "human_bot"});
    const answer = await chat.invoke([new SystemMessage(""), new HumanMessage("Hello"), new AIMessage("Hi."), new HumanMessage("Who are you?")]);
    expect(engine.calls[0]!.prompt).toBe("<human>: Hello\n<bot>: Hi.\n<human>: Who are you?\n<bot>:");
    expect(answer).toBeInstanceOf(AIMessage);
    expect(answer.content).toBe("I am h2oGPT.");
    // The fake engine counts words; the stop string arrived in a fourth token.
    expect(answer.usage_metadata).toEqual({input_tokens: 9, output_tokens: 4, total_tokens: 13});
    expect(answer.response_metadata).toMatchObject({
      model_name: "fake",
      prompt_type: "human_bot",
      finish_reason: "stop",
      stop_reason: "stop",
      tokenUsage: {promptTokens: 9, completionTokens: 4, totalTokens: 13}
    });
  });

  it("takes h2oGPT's parameter names as call options over the constructor's camelCase defaults", async () => {
    const engine = new FakeEngine({script});
    const chat = new ChatH2oGpt({engine, promptType: "plain", maxNewTokens: 100, temperature: 0.1, topK: 40});
    await chat.invoke("Hi", {max_new_tokens: 7, temperature: 0.5, top_p: 0.9, repetition_penalty: 1.2, seed: 5, do_sample: true, max_time: 30, prompt_type: "human_bot", stop: ["h2oGPT"]});
    const {prompt, options} = engine.calls[0]!;
    expect(prompt).toBe("<human>: Hi\n<bot>:");
    expect(options).toMatchObject({maxNewTokens: 7, temperature: 0.5, topK: 40, topP: 0.9, repetitionPenalty: 1.2, seed: 5, doSample: true, maxTime: 30});
    expect(options.stop).toContain("h2oGPT");
    await chat.invoke("Hi");
    expect(engine.calls[1]!.options).toMatchObject({maxNewTokens: 100, temperature: 0.1, topK: 40});
    expect(chat.invocationParams({max_new_tokens: 7} as never)).toMatchObject({max_new_tokens: 7, temperature: 0.1, top_k: 40, prompt_type: "plain"});
  });

  it("passes min_p, presence and frequency penalties and logit_bias on, from the constructor and per call", async () => {
    const engine = new FakeEngine({script});
    const logitBias = new Map([[7, -100]]);
    const chat = new ChatH2oGpt({engine, promptType: "plain", minP: 0.1, presencePenalty: 0.5, frequencyPenalty: 0.25, logitBias});
    await chat.invoke("Hi");
    expect(engine.calls[0]!.options).toMatchObject({minP: 0.1, presencePenalty: 0.5, frequencyPenalty: 0.25, logitBias});
    await chat.invoke("Hi", {min_p: 0.2, presence_penalty: -1, frequency_penalty: 1, logit_bias: {"3": 5, "11": -2}});
    expect(engine.calls[1]!.options).toMatchObject({minP: 0.2, presencePenalty: -1, frequencyPenalty: 1, logitBias: new Map([[3, 5], [11, -2]])});
    expect(chat.invocationParams({logit_bias: {"3": 5}} as never)).toMatchObject({min_p: 0.1, presence_penalty: 0.5, frequency_penalty: 0.25, logit_bias: {"3": 5}});
    await expect(chat.invoke("Hi", {logit_bias: {"3": 5, "x": 1}})).rejects.toThrow('logit_bias: token ids are integers from 0, got "x"');
    expect(engine.calls).toHaveLength(2);
  });

  it("a stop string given per call ends the answer without showing it", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script}), promptType: "human_bot"});
    const answer = await chat.invoke("Who are you?", {stop: [" h2o"]});
    expect(answer.content).toBe("I am");
    expect(answer.response_metadata.stop_reason).toBe("stop");
  });

  it("stream: chunks that add up to the answer, the last with the usage", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script}), promptType: "human_bot"});
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat.stream("Who are you?")) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.text).join("")).toBe("I am h2oGPT.");
    const whole = chunks.reduce((a, b) => a.concat(b));
    expect(whole.usage_metadata).toMatchObject({input_tokens: 5, output_tokens: 4, total_tokens: 9});
    expect(whole.response_metadata).toMatchObject({stop_reason: "stop", prompt_type: "human_bot"});
  });

  it("callbacks: handleLLMNewToken per delta on invoke and stream, handleLLMEnd with the token usage", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script}), promptType: "human_bot"});
    for (const call of ["invoke", "stream"] as const) {
      const tokens: string[] = [];
      let usage: unknown;
      const callbacks = [{handleLLMNewToken: (token: string) => void tokens.push(token), handleLLMEnd: (output: {llmOutput?: Record<string, unknown>}) => void (usage = output.llmOutput?.tokenUsage)}];
      if (call === "invoke") await chat.invoke("Who are you?", {callbacks});
      else for await (const _ of await chat.stream("Who are you?", {callbacks}));
      expect(tokens.join(""), call).toBe("I am h2oGPT.");
      expect(usage, call).toEqual({promptTokens: 5, completionTokens: 4, totalTokens: 9});
    }
  });

  it("streamEvents (v2) through a piped chain: on_chat_model_stream chunks and the parsed output", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script}), promptType: "human_bot"});
    const chain = ChatPromptTemplate.fromMessages([["human", "{question}"]])
      .pipe(chat)
      .pipe(new StringOutputParser());
    let streamed = "";
    let output: unknown;
    for await (const event of chain.streamEvents({question: "Who are you?"}, {version: "v2"})) {
      if (event.event === "on_chat_model_stream") streamed += (event.data.chunk as AIMessageChunk).text;
      if (event.event === "on_chain_end" && event.name === "RunnableSequence") output = event.data.output;
    }
    expect(streamed).toBe("I am h2oGPT.");
    expect(output).toBe("I am h2oGPT.");
  });

  it("streamEvents without a version (@langchain/core 1.4's content-block events) ends in the whole message", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script}), promptType: "human_bot"});
    const stream = chat.streamEvents("Who are you?");
    const kinds = new Set<string>();
    for await (const event of stream) kinds.add(event.event);
    expect(kinds).toContain("content-block-delta");
    const message = await stream.output;
    expect(message.text).toBe("I am h2oGPT.");
    expect(message.usage_metadata).toMatchObject({input_tokens: 5, output_tokens: 4, total_tokens: 9});
  });

  it("batch answers every input, in order", async () => {
    const engine = new FakeEngine({script: (call) => [` answer ${call}`]});
    const chat = new ChatH2oGpt({engine, promptType: "human_bot"});
    const answers = await chat.batch(["one", "two", "three"]);
    expect(answers.map((a) => a.content).sort()).toEqual(["answer 0", "answer 1", "answer 2"]);
    expect(engine.calls.map((c) => c.prompt).sort()).toEqual(["<human>: one\n<bot>:", "<human>: three\n<bot>:", "<human>: two\n<bot>:"]);
  });

  it("abort: a signal aborted mid-answer rejects invoke and stream with the signal's reason", async () => {
    const long = Array.from({length: 200}, (_, i) => ` w${i}`);
    const chat = new ChatH2oGpt({engine: new FakeEngine({script: long}), promptType: "human_bot"});
    const controller = new AbortController();
    const callbacks = [{handleLLMNewToken: (_: string) => controller.abort(new Error("stop now"))}];
    await expect(chat.invoke("Go", {signal: controller.signal, callbacks})).rejects.toThrow("stop now");

    const second = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of await chat.stream("Go", {signal: second.signal})) {
        seen.push(chunk.text);
        if (seen.length === 3) second.abort();
      }
    })();
    await expect(reading).rejects.toThrow();
    expect(seen.length).toBeLessThan(10);
    await expect(chat.invoke("Go", {signal: AbortSignal.abort()})).rejects.toThrow();
  });

  it("a prompt that cannot fit is our ContextOverflowError, with both numbers", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script, contextLength: 64}), promptType: "human_bot"});
    const error = await chat.invoke("word ".repeat(100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect(error).toMatchObject({nCtx: 64, exitCode: 3});
    await expect((async () => {
      for await (const _ of await chat.stream("word ".repeat(100)));
    })()).rejects.toBeInstanceOf(ContextOverflowError);
  });

  it("tool messages and non-text content are refused, not dropped", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script}), promptType: "human_bot"});
    await expect(chat.invoke([new HumanMessage("x"), new ToolMessage({content: "42", tool_call_id: "1"})])).rejects.toBeInstanceOf(NotSupportedError);
    await expect(chat.invoke([new HumanMessage({content: [{type: "image_url", image_url: {url: "data:image/png;base64,AA=="}}]})])).rejects.toBeInstanceOf(NotSupportedError);
  });

  it("claims no tool calling: no bindTools, and withStructuredOutput refuses", async () => {
    const chat = new ChatH2oGpt({engine: new FakeEngine({script})});
    expect(chat.bindTools).toBeUndefined();
    expect(() => chat.withStructuredOutput({type: "object", properties: {name: {type: "string"}}})).toThrow();
  });

  it("counts tokens with the engine and leaves a given engine open on close()", async () => {
    let closed = false;
    const engine = Object.assign(new FakeEngine({script}), {close: async () => void (closed = true)});
    const chat = new ChatH2oGpt({engine});
    expect(await chat.getNumTokens("three small words")).toBe(3);
    expect(await chat.engine()).toBe(engine);
    await chat.close();
    expect(closed).toBe(false);
  });
});
