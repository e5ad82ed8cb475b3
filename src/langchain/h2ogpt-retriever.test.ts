import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Document} from "@langchain/core/documents";
import {StringOutputParser} from "@langchain/core/output_parsers";
import {PromptTemplate} from "@langchain/core/prompts";
import {RunnablePassthrough, RunnableSequence} from "@langchain/core/runnables";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {CollectionManager, ingest, openCollection, type OcrRunner} from "../docs/index.js";
import {ChatH2oGpt, H2oGptRetriever} from "./index.js";

const noOcr: OcrRunner = {
  available: false,
  unavailableReason: "not needed for text files",
  recognize: () => Promise.reject(new Error("no OCR")),
  recognizePdfPages: () => Promise.reject(new Error("no OCR"))
};

const FILES: Record<string, string> = {
  "einstein.txt": "Albert Einstein developed the theory of relativity. He received the Nobel Prize in Physics in 1921 for the photoelectric effect.",
  "newton.txt": "Isaac Newton formulated the laws of motion and universal gravitation. He also built the first reflecting telescope.",
  "curie.txt": "Marie Curie discovered polonium and radium. She was the first person to win Nobel Prizes in two sciences.",
  "lovelace.txt": "Ada Lovelace wrote the first published algorithm intended for the Analytical Engine, a mechanical computer."
};

let dir: string;
let persistDirectory: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-langchain-retriever-"));
  persistDirectory = join(dir, "db");
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
  const collection = openCollection({persistDirectory, user: "local"}, "Science", {create: true});
  await ingest({collection, inputs: Object.keys(FILES).map((name) => join(dir, name)), ocr: noOcr});
  collection.close();
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const QUESTIONS: [string, string][] = [
  ["Who developed the theory of relativity?", "einstein.txt"],
  ["What are the laws of motion and gravitation?", "newton.txt"],
  ["Who discovered radium and polonium?", "curie.txt"],
  ["Who wrote an algorithm for the Analytical Engine?", "lovelace.txt"]
];

describe("H2oGptRetriever over a small collection", () => {
  it("returns the right document first, with h2oGPT's source metadata", async () => {
    const retriever = new H2oGptRetriever({persistDirectory, langchainMode: "Science", topKDocs: 2});
    try {
      for (const [question, file] of QUESTIONS) {
        const docs = await retriever.invoke(question);
        expect(docs.length, question).toBeGreaterThan(0);
        expect(docs.length).toBeLessThanOrEqual(2);
        expect(docs[0]!.metadata.source, question).toBe(join(dir, file));
        expect(docs[0]!.pageContent).toBe(FILES[file]);
        expect(docs[0]!.metadata).toMatchObject({page: null, chunk_id: 0});
        expect(docs[0]!.metadata.score).toBeGreaterThan(0);
        expect(docs[0]!.metadata.score).toBeLessThanOrEqual(1);
      }
    } finally {
      await retriever.close();
    }
  });

  it("works over an open collection, a CollectionManager (per user) and with documentChoice", async () => {
    const collection = openCollection({persistDirectory, user: "local"}, "Science");
    const manager = new CollectionManager({persistDirectory, ocr: noOcr});
    try {
      const [question, file] = QUESTIONS[1]!;
      expect((await new H2oGptRetriever({collection, topKDocs: 1}).invoke(question))[0]!.metadata.source).toBe(join(dir, file));
      expect((await new H2oGptRetriever({manager, user: "local", langchainMode: "Science"}).invoke(question))[0]!.metadata.source).toBe(join(dir, file));
      // Another user cannot see local's private collection.
      await expect(new H2oGptRetriever({manager, user: "someone-else", langchainMode: "Science"}).invoke(question)).rejects.toThrow(/no collection 'Science'/);
      const only = await new H2oGptRetriever({collection, documentChoice: [join(dir, "curie.txt")]}).invoke(question);
      expect(only.map((d) => d.metadata.source)).toEqual([]);
    } finally {
      collection.close();
      await manager.close();
    }
  });

  it("feeds a retrieval QA chain: the retrieved document is in the prompt the model gets", async () => {
    const engine = new FakeEngine({script: [" Einstein."]});
    const retriever = new H2oGptRetriever({persistDirectory, langchainMode: "Science", topKDocs: 1});
    const formatDocs = (docs: Document[]): string => docs.map((doc) => doc.pageContent).join("\n\n");
    const chain = RunnableSequence.from([
      {context: retriever.pipe(formatDocs), question: new RunnablePassthrough()},
      PromptTemplate.fromTemplate("==\n{context}\n==\n{question}"),
      new ChatH2oGpt({engine, promptType: "human_bot"}),
      new StringOutputParser()
    ]);
    try {
      expect(await chain.invoke("Who developed the theory of relativity?")).toBe("Einstein.");
      expect(engine.calls[0]!.prompt).toBe(`<human>: ==\n${FILES["einstein.txt"]}\n==\nWho developed the theory of relativity?\n<bot>:`);
    } finally {
      await retriever.close();
    }
  });
});
