import {PromptTemplate} from "@langchain/core/prompts";
import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {ContextOverflowError} from "../errors/index.js";
import {H2oGpt} from "./index.js";

const script = [" I am", " h2oGPT", ".\n<hu", "man>: and more"];

describe("H2oGpt (LLM) on a fake engine", () => {
  it("puts the text into the prompt type's prompt as the instruction and cuts the answer the h2oGPT way", async () => {
    const engine = new FakeEngine({script});
    const llm = new H2oGpt({engine, promptType: "human_bot"});
    expect(await llm.invoke("Who are you?")).toBe("I am h2oGPT.");
    expect(engine.calls[0]!.prompt).toBe("<human>: Who are you?\n<bot>:");
  });

  it("generate(): usage per answer and summed in llmOutput; h2oGPT's names as call options", async () => {
    const engine = new FakeEngine({script});
    const llm = new H2oGpt({engine, promptType: "human_bot", maxNewTokens: 50});
    const result = await llm.generate(["Who are you?", "Hi"], {max_new_tokens: 9, top_k: 4, temperature: 0.3} as never);
    expect(result.generations.map((g) => g[0]!.text)).toEqual(["I am h2oGPT.", "I am h2oGPT."]);
    expect(result.generations[0]![0]!.generationInfo).toMatchObject({usage_metadata: {input_tokens: 5, output_tokens: 4, total_tokens: 9}, stop_reason: "stop"});
    expect(result.llmOutput).toEqual({tokenUsage: {promptTokens: 8, completionTokens: 8, totalTokens: 16}});
    expect(engine.calls.map((c) => c.options)).toMatchObject([
      {maxNewTokens: 9, topK: 4, temperature: 0.3},
      {maxNewTokens: 9, topK: 4, temperature: 0.3}
    ]);
  });

  it("stream and callbacks through a piped PromptTemplate; batch; overflow stays ContextOverflowError", async () => {
    const llm = new H2oGpt({engine: new FakeEngine({script, contextLength: 64}), promptType: "human_bot"});
    const chain = PromptTemplate.fromTemplate("==\n{context}\n==\n{question}").pipe(llm);
    const tokens: string[] = [];
    const chunks: string[] = [];
    for await (const chunk of await chain.stream({context: "ctx", question: "Who?"}, {callbacks: [{handleLLMNewToken: (t: string) => void tokens.push(t)}]}))
      chunks.push(chunk);
    expect(chunks.join("")).toBe("I am h2oGPT.");
    expect(tokens.join("")).toBe("I am h2oGPT.");
    expect(await chain.batch([{context: "a", question: "b"}, {context: "c", question: "d"}])).toEqual(["I am h2oGPT.", "I am h2oGPT."]);
    await expect(chain.invoke({context: "word ".repeat(100), question: "?"})).rejects.toBeInstanceOf(ContextOverflowError);
  });

  it("withConfig carries h2oGPT's call options into a piped chain", async () => {
    const engine = new FakeEngine({script});
    const llm = new H2oGpt({engine, promptType: "human_bot"});
    await PromptTemplate.fromTemplate("{question}")
      .pipe(llm.withConfig({max_new_tokens: 5, repetition_penalty: 1.3}))
      .invoke({question: "Who?"});
    expect(engine.calls[0]!.options).toMatchObject({maxNewTokens: 5, repetitionPenalty: 1.3});
  });

  it("abort rejects with the signal's reason", async () => {
    const llm = new H2oGpt({engine: new FakeEngine({script: Array.from({length: 100}, () => " w")}), promptType: "human_bot"});
    const controller = new AbortController();
    const callbacks = [{handleLLMNewToken: () => controller.abort(new Error("enough"))}];
    await expect(llm.invoke("Go", {signal: controller.signal, callbacks})).rejects.toThrow("enough");
    const second = new AbortController();
    const reading = (async () => {
      let n = 0;
      for await (const _ of await llm.stream("Go", {signal: second.signal})) if (++n === 2) second.abort(new Error("stream stopped"));
    })();
    await expect(reading).rejects.toThrow("stream stopped");
  });
});
