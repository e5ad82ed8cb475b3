import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import type {ScoredChunk} from "../docs/index.js";
import {ContextOverflowError} from "../errors/index.js";
import {orderDocuments, PRE_PROMPT_QUERY, PRE_PROMPT_SUMMARY, PROMPT_QUERY, PROMPT_SUMMARY, queryMessage, summaryMessage} from "./document-prompts.js";
import {formatSources, stripSources} from "./format-sources.js";
import {generateWithDocuments, type DocumentRetriever} from "./generate-with-documents.js";

function chunk(index: number, content: string, score = 1 - index / 100, source = `/docs/d${index}.txt`): ScoredChunk {
  return {source, page: null, chunkId: index, chunkRowId: index + 1, documentId: index + 1, score, content, title: null, start: 0, end: content.length};
}

function retriever(chunks: readonly ScoredChunk[]): DocumentRetriever & {queries: string[]} {
  const queries: string[] = [];
  return {
    queries,
    search: async (query, topK, sources) => {
      queries.push(query);
      return chunks.filter((item) => sources == null || sources.includes(item.source)).slice(0, topK);
    },
    inOrder: async (limit, sources) => chunks.filter((item) => sources == null || sources.includes(item.source)).slice(0, limit)
  };
}

describe("h2oGPT's document prompts", () => {
  it("Query: pre_prompt_query, the documents between <all_documents> tags, prompt_query, the question", () => {
    expect(queryMessage({documents: ["First.", "Second."], question: "Why?"})).toBe(
      "Pay attention and remember the information below, which will help to answer the question or imperative after the context ends.\n" +
        "<all_documents>\nFirst.\n\nSecond.\n</all_documents>\n" +
        'According to only the information in any chat history, any images given, or any document text provided within the context above, give a well-structured response (that starts with "According to") to:\n' +
        "Why?"
    );
    expect(queryMessage({documents: [], question: "Why?"})).toBe("Why?");
    expect(queryMessage({documents: ["a", "b"], question: "q", prePromptQuery: "P", promptQuery: "Q", docsJoiner: "\n---\n"})).toBe(
      "P\n<all_documents>\na\n---\nb\n</all_documents>\nQ\nq"
    );
  });

  it("Summarize / Extract: the same shape without a question, ending with a newline; a focus prefixes the prompt", () => {
    expect(summaryMessage({documents: ["Text."]})).toBe(
      "In order to write a concise summary, pay attention to the following text.\n<all_documents>\nText.\n</all_documents>\n" +
        "Using only the information in the document sources above, write a condensed and concise well-structured Markdown summary of key results.\n"
    );
    expect(summaryMessage({documents: ["Text."], focus: "costs"})).toBe(
      `${PRE_PROMPT_SUMMARY}\n<all_documents>\nText.\n</all_documents>\nFocusing on costs, ${PROMPT_SUMMARY}\n`
    );
  });

  it("orders chunks for each docs_ordering_type", () => {
    const best = [1, 2, 3, 4, 5];
    expect(orderDocuments(best, "best_first")).toEqual([1, 2, 3, 4, 5]);
    expect(orderDocuments(best, "best_near_prompt")).toEqual([5, 4, 3, 2, 1]);
    expect(orderDocuments(best, "reverse_ucurve_sort")).toEqual([2, 4, 5, 3, 1]);
    expect(orderDocuments([1, 2], "reverse_ucurve_sort")).toEqual([2, 1]);
  });

  it("formats h2oGPT's sources block and strips it from history", () => {
    const block = formatSources([{source: "/a.pdf", page: 3, score: 0.81234}, {source: "/b.txt", page: null, score: 0.5}]);
    expect(block).toBe("Sources [Score | Link]:\n0.81 | /a.pdf (page 3)\n0.5 | /b.txt\nTotal document chunks used: 2\nEnd Sources");
    expect(stripSources(`The answer.\n\n${block}`)).toBe("The answer.");
    expect(stripSources("No sources here.")).toBe("No sources here.");
  });
});

describe("generateWithDocuments", () => {
  const docs = [chunk(0, "alpha facts here"), chunk(1, "beta facts here"), chunk(2, "gamma facts here")];

  it("answers a Query with the chunks in best_near_prompt order, wrapped by the prompt type, and cites them best first", async () => {
    const engine = new FakeEngine({script: ["According", " to the documents."]});
    const {stream, result} = generateWithDocuments({engine, promptType: "plain", instruction: "What are the facts?", langchainMode: "UserData", retriever: retriever(docs)});
    let streamed = "";
    for await (const text of stream) streamed += text;
    const answer = await result;
    expect(streamed).toBe("According to the documents.");
    expect(engine.calls[0]!.prompt).toBe(
      `${PRE_PROMPT_QUERY}\n<all_documents>\ngamma facts here\n\nbeta facts here\n\nalpha facts here\n</all_documents>\n${PROMPT_QUERY}\nWhat are the facts?\n`
    );
    expect(answer.promptRaw).toBe(engine.calls[0]!.prompt);
    expect(answer.sources.map((source) => source.content)).toEqual(["alpha facts here", "beta facts here", "gamma facts here"]);
    expect(answer).toMatchObject({langchainMode: "UserData", langchainAction: "Query", chunksRetrieved: 3, chunksUsed: 3, chunksDropped: 0});
  });

  it("uses the prompt type's wrapping and each ordering", async () => {
    for (const [ordering, expected] of [
      ["best_first", "alpha facts here\n\nbeta facts here\n\ngamma facts here"],
      ["reverse_ucurve_sort", "beta facts here\n\ngamma facts here\n\nalpha facts here"]
    ] as const) {
      const engine = new FakeEngine({script: ["ok"]});
      await generateWithDocuments({
        engine,
        promptType: "human_bot",
        instruction: "Q?",
        docsOrderingType: ordering,
        langchainMode: "UserData",
        retriever: retriever(docs)
      }).result;
      expect(engine.calls[0]!.prompt).toBe(`<human>: ${PRE_PROMPT_QUERY}\n<all_documents>\n${expected}\n</all_documents>\n${PROMPT_QUERY}\nQ?\n<bot>:`);
    }
  });

  it("fills the context by tokens best first and never overflows it; dropped chunks are counted", async () => {
    const many = Array.from({length: 40}, (_, i) => chunk(i, `chunk${i} ${"word ".repeat(20)}`.trim()));
    const engine = new FakeEngine({contextLength: 300, script: ["ok"]});
    const answer = await generateWithDocuments({
      engine,
      promptType: "plain",
      instruction: "Which chunk?",
      maxNewTokens: 50,
      topKDocs: -1,
      docsTokenHandling: "chunk",
      langchainMode: "UserData",
      retriever: retriever(many)
    }).result;
    expect(answer.promptTokens + 50).toBeLessThanOrEqual(300);
    expect(answer.chunksUsed).toBeGreaterThan(5);
    expect(answer.chunksUsed).toBeLessThan(40);
    expect(answer.chunksDropped).toBe(40 - answer.chunksUsed);
    expect(answer.sources.map((source) => source.chunkId)).toEqual(Array.from({length: answer.chunksUsed}, (_, i) => i));
    expect(answer.maxNewTokens).toBeGreaterThanOrEqual(50);
  });

  it("split_or_merge cuts the chunk that does not fit instead of dropping it", async () => {
    const engine = new FakeEngine({contextLength: 200, script: ["ok"]});
    const long = [chunk(0, "short first chunk"), chunk(1, "word ".repeat(400).trim())];
    const answer = await generateWithDocuments({engine, promptType: "plain", instruction: "Q?", maxNewTokens: 40, langchainMode: "UserData", retriever: retriever(long)}).result;
    expect(answer.chunksUsed).toBe(2);
    expect(answer.sources[1]!.content).toBe(long[1]!.content);
    expect(answer.promptTokens + 40).toBeLessThanOrEqual(200);
  });

  it("fails only when the question alone does not fit, with both numbers", async () => {
    const engine = new FakeEngine({contextLength: 64, script: ["ok"]});
    await expect(
      generateWithDocuments({engine, promptType: "plain", instruction: "word ".repeat(200), langchainMode: "UserData", retriever: retriever(docs)}).result
    ).rejects.toThrow(ContextOverflowError);
  });

  it("answers from the model alone and says so when nothing matches, or says there are no documents", async () => {
    const engine = new FakeEngine({script: ["Paris."]});
    const alone = await generateWithDocuments({engine, promptType: "plain", instruction: "Capital of France?", langchainMode: "UserData", retriever: retriever([])}).result;
    expect(engine.calls[0]!.prompt).toBe("Capital of France?\n");
    expect(alone).toMatchObject({response: "Paris.", sources: [], note: "no documents in UserData matched; answered from the model alone"});

    const strict = new FakeEngine({script: ["never"]});
    const none = await generateWithDocuments({
      engine: strict,
      instruction: "Capital of France?",
      useLlmIfNoDocs: false,
      langchainMode: "UserData",
      retriever: retriever([])
    }).result;
    expect(none.response).toBe("There are no documents to answer from.");
    expect(strict.calls).toHaveLength(0);
    const summary = await generateWithDocuments({engine: strict, langchainAction: "Summarize", langchainMode: "UserData", retriever: retriever([])}).result;
    expect(summary.response).toBe("There are no documents to summarize/extract from.");
  });

  it("RelSources and TopKSources give the sources without asking the model", async () => {
    const engine = new FakeEngine({script: ["never"]});
    const relevant = await generateWithDocuments({engine, instruction: "facts", documentSubset: "RelSources", langchainMode: "UserData", retriever: retriever(docs)}).result;
    expect(relevant.response).toBe(formatSources(docs));
    const topK = await generateWithDocuments({engine, documentSubset: "TopKSources", topKDocs: 2, langchainMode: "UserData", retriever: retriever(docs)}).result;
    expect(topK.sources).toHaveLength(2);
    expect(engine.calls).toHaveLength(0);
  });

  it("restricts to document_choice", async () => {
    const engine = new FakeEngine({script: ["ok"]});
    const source = retriever(docs);
    const answer = await generateWithDocuments({
      engine,
      promptType: "plain",
      instruction: "facts",
      documentChoice: ["/docs/d1.txt"],
      langchainMode: "UserData",
      retriever: source
    }).result;
    expect(answer.sources.map((item) => item.source)).toEqual(["/docs/d1.txt"]);
  });

  it("summarizes a document 30 times larger than the context by map-reduce, every prompt fitting", async () => {
    const contextLength = 256;
    const pieces = Array.from({length: 160}, (_, i) => chunk(i, `part${i} ${"lorem ".repeat(50).trim()}`, 1, "/docs/big.pdf"));
    expect(pieces.length * 51).toBeGreaterThan(30 * contextLength);
    const engine = new FakeEngine({contextLength, script: (call) => [`summary${call}`, " of", " its", " part."]});
    const progress: string[] = [];
    const {stream, result} = generateWithDocuments({
      engine,
      promptType: "plain",
      langchainAction: "Summarize",
      maxNewTokens: 40,
      langchainMode: "UserData",
      retriever: retriever(pieces),
      onProgress: (state) => progress.push(`${state.stage} ${state.done}/${state.total}`)
    });
    let streamed = "";
    for await (const text of stream) streamed += text;
    const answer = await result;
    const calls = engine.calls;
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) expect(call.prompt!.split(/\s+/).filter(Boolean).length + call.options.maxNewTokens).toBeLessThanOrEqual(contextLength);
    expect(calls.every((call) => call.prompt!.startsWith(PRE_PROMPT_SUMMARY))).toBe(true);
    expect(streamed).toBe(`summary${calls.length - 1} of its part.`);
    expect(answer).toMatchObject({langchainAction: "Summarize", chunksUsed: 160, mapPrompts: calls.length});
    expect(progress[0]).toMatch(/^map 1\/\d+$/);
    // The last prompt summarizes summaries, not the document's parts.
    expect(calls.at(-1)!.prompt).toMatch(/<all_documents>\nsummary\d+ of its part\.\n\nsummary\d+ of its part\./);
    expect(calls.at(-1)!.prompt).not.toContain("lorem");
  });

  it("Extract answers each group in document order, with a focus", async () => {
    const pieces = Array.from({length: 20}, (_, i) => chunk(i, `item${i} ${"detail ".repeat(30).trim()}`, 1, "/docs/list.txt"));
    const engine = new FakeEngine({contextLength: 200, script: (call) => [`found${call}`]});
    const answer = await generateWithDocuments({
      engine,
      promptType: "plain",
      langchainAction: "Extract",
      instruction: "the item numbers",
      topKDocs: -1,
      maxNewTokens: 30,
      langchainMode: "UserData",
      retriever: retriever(pieces)
    }).result;
    expect(engine.calls.length).toBeGreaterThan(1);
    expect(answer.response).toBe(engine.calls.map((_, i) => `found${i}`).join("\n\n"));
    expect(engine.calls[0]!.prompt).toContain(`Focusing on the item numbers, ${PROMPT_SUMMARY}`);
  });
});
