import {Document} from "@langchain/core/documents";
import type {AIMessageChunk, BaseMessage} from "@langchain/core/messages";
import {StringOutputParser} from "@langchain/core/output_parsers";
import {PromptTemplate} from "@langchain/core/prompts";
import {RunnableSequence, type Runnable} from "@langchain/core/runnables";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createEngine, type Engine, type EngineGeneration} from "../engine/index.js";
import {ContextOverflowError} from "../errors/index.js";
import {ChatH2oGpt, H2oGpt, H2oGptEmbeddings} from "./index.js";

/**
 * h2oGPT's tests/test_langchain_simple.py in TypeScript, with the built-in model: h2oGPT's QA template in a
 * stuff-documents chain over a few documents (the equivalent of langchain's createStuffDocumentsChain, built from
 * @langchain/core runnables), then streaming, streamEvents, batch, abort and overflow through LangChain's own entry
 * points on one engine shared by every component.
 */

const DOCS = [
  new Document({pageContent: "Albert Einstein developed the theory of relativity.", metadata: {source: "einstein.txt"}}),
  new Document({pageContent: "Isaac Newton formulated the laws of motion and universal gravitation.", metadata: {source: "newton.txt"}}),
  new Document({pageContent: "Both were physicists whose work changed science.", metadata: {source: "physicists.txt"}})
];
const QUESTION = "What did Einstein and Newton do?";

interface StuffInput {
  input_documents: Document[];
  question: string;
}

/** createStuffDocumentsChain's shape: every document's page_content joined by blank lines as {context}. */
function stuffDocumentsChain(model: Runnable): Runnable<StuffInput, string> {
  return RunnableSequence.from<StuffInput, string>([
    {
      context: (input: StuffInput) => input.input_documents.map((doc) => doc.pageContent).join("\n\n"),
      question: (input: StuffInput) => input.question
    },
    PromptTemplate.fromTemplate("==\n{context}\n==\n{question}"),
    model,
    new StringOutputParser()
  ]);
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({sequences: 2});
});
afterAll(async () => {
  await engine?.close();
});

describe("h2ogpt-ts/langchain with the built-in model", () => {
  it("with no model, ChatH2oGpt loads the built-in model itself (and close() frees it)", async () => {
    const chat = new ChatH2oGpt({maxNewTokens: 8});
    try {
      const answer = await chat.invoke("Who are you?");
      expect(typeof answer.content).toBe("string");
      expect((await chat.engine()).info.notice).toContain("built-in demonstration model");
    } finally {
      await chat.close();
    }
  });

  it("the seed's QA chain: h2oGPT's template piped into ChatH2oGpt and H2oGpt over the documents returns text", async () => {
    for (const model of [new ChatH2oGpt({engine, maxNewTokens: 48}), new H2oGpt({engine, maxNewTokens: 48})]) {
      const prompts: string[] = [];
      const callbacks = [
        {
          handleLLMStart: (_llm: unknown, texts: string[]) => void prompts.push(...texts),
          handleChatModelStart: (_llm: unknown, messages: BaseMessage[][]) => void prompts.push(...messages.flat().map((m) => m.text))
        }
      ];
      const answer = await stuffDocumentsChain(model).invoke({input_documents: DOCS, question: QUESTION}, {callbacks});
      expect(typeof answer).toBe("string");
      expect(answer.trim().length, model.getName()).toBeGreaterThan(0);
      expect(prompts).toEqual([`==\n${DOCS.map((d) => d.pageContent).join("\n\n")}\n==\n${QUESTION}`]);
    }
  });

  it("stream and streamEvents: deltas add up to invoke's answer (greedy), the last chunk carries the usage", async () => {
    const chat = new ChatH2oGpt({engine, maxNewTokens: 24, temperature: 0});
    const whole = await chat.invoke("What is h2oGPT?");
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat.stream("What is h2oGPT?")) chunks.push(chunk);
    const streamed = chunks.reduce((a, b) => a.concat(b));
    expect(streamed.text).toBe(whole.text);
    expect(streamed.usage_metadata).toMatchObject(whole.usage_metadata!);
    expect(whole.usage_metadata!.input_tokens).toBeGreaterThan(3);
    expect(whole.usage_metadata!.output_tokens).toBeGreaterThan(0);
    expect(whole.usage_metadata!.total_tokens).toBe(whole.usage_metadata!.input_tokens + whole.usage_metadata!.output_tokens);

    let fromEvents = "";
    for await (const event of chat.pipe(new StringOutputParser()).streamEvents("What is h2oGPT?", {version: "v2"}))
      if (event.event === "on_chat_model_stream") fromEvents += (event.data.chunk as AIMessageChunk).text;
    expect(fromEvents).toBe(whole.text);
  });

  it("batch runs on the engine's concurrent sequences: two answers generate at the same time, each as invoke's", async () => {
    expect(engine.info.sequences).toBe(2);
    // Watch when each generation produces text, through a wrapper that shares the engine.
    const spans: {first: number; last: number}[] = [];
    const watched: Engine = Object.create(engine, {
      generate: {
        value: (options: Parameters<Engine["generate"]>[0]): EngineGeneration => {
          const generation = engine.generate(options);
          const span = {first: Infinity, last: 0};
          spans.push(span);
          return {
            result: generation.result,
            stream: (async function* () {
              for await (const delta of generation.stream) {
                span.first = Math.min(span.first, performance.now());
                span.last = performance.now();
                yield delta;
              }
            })()
          };
        }
      }
    });
    const llm = new H2oGpt({engine: watched, maxNewTokens: 32, temperature: 0, minNewTokens: 32});
    const questions = ["What is h2oGPT?", "How do I ingest documents?"];
    const answers = await llm.batch(questions);
    expect(spans).toHaveLength(2);
    // Overlapping spans: the second started before the first finished.
    expect(Math.max(spans[0]!.first, spans[1]!.first)).toBeLessThan(Math.min(spans[0]!.last, spans[1]!.last));
    for (const [i, question] of questions.entries()) expect(answers[i]).toBe(await llm.invoke(question));
  });

  it("abort: stream stops mid-answer, invoke rejects, and the engine answers the next call", async () => {
    const chat = new ChatH2oGpt({engine, maxNewTokens: 200, minNewTokens: 200});
    const controller = new AbortController();
    let seen = 0;
    const reading = (async () => {
      for await (const _ of await chat.stream("Tell me everything about h2oGPT.", {signal: controller.signal})) if (++seen === 3) controller.abort();
    })();
    await expect(reading).rejects.toThrow();
    expect(seen).toBeLessThan(10);
    await expect(chat.invoke("Hi", {signal: AbortSignal.timeout(1)})).rejects.toThrow();
    expect((await chat.invoke("Who are you?", {max_new_tokens: 4, min_new_tokens: 0})).usage_metadata!.output_tokens).toBeGreaterThan(0);
  });

  it("a question longer than the context is our ContextOverflowError through a chain", async () => {
    const chain = PromptTemplate.fromTemplate("{question}").pipe(new ChatH2oGpt({engine}));
    const error = await chain.invoke({question: "relativity ".repeat(engine.info.contextLength + 10)}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect((error as ContextOverflowError).nCtx).toBe(engine.info.contextLength);
  });

  it("H2oGptEmbeddings over the same engine: one vector per text, the model's width", async () => {
    const embeddings = new H2oGptEmbeddings({engine});
    const vectors = await embeddings.embedDocuments(["Einstein", "Newton"]);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]!.length).toBeGreaterThan(8);
    expect(await embeddings.embedQuery("Einstein")).toEqual(vectors[0]);
  });
});
