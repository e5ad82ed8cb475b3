import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import type {Embedder} from "../docs/index.js";
import type {EmbeddingResult, Engine} from "../engine/index.js";
import {NotSupportedError} from "../errors/index.js";
import {H2oGptEmbeddings} from "./index.js";

/** A fake engine whose "embedding" of a text is [length, number of words]. */
function embeddingEngine(calls: string[][]): Engine {
  const engine = new FakeEngine();
  return Object.assign(engine, {
    info: {...engine.info, embeddings: true},
    embed: async (texts: readonly string[]): Promise<EmbeddingResult> => {
      calls.push([...texts]);
      return {vectors: texts.map((t) => [t.length, t.split(" ").length]), promptTokens: 0};
    }
  });
}

describe("H2oGptEmbeddings", () => {
  it("embeds documents in batches and a query with an engine's embeddings", async () => {
    const calls: string[][] = [];
    const embeddings = new H2oGptEmbeddings({engine: embeddingEngine(calls), batchSize: 2});
    expect(await embeddings.embedDocuments(["a", "bb cc", "ddd"])).toEqual([[1, 1], [5, 2], [3, 1]]);
    expect(calls).toEqual([["a", "bb cc"], ["ddd"]]);
    expect(await embeddings.embedQuery("x y")).toEqual([3, 2]);
  });

  it("uses the document stage's embedder (Float32Array vectors become number arrays)", async () => {
    const embedder: Embedder = {
      identity: {name: "fake", digest: "0", dimension: 2},
      embed: async (texts) => texts.map((t) => Float32Array.from([t.length, 0.5])),
      close: async () => {}
    };
    expect(await new H2oGptEmbeddings({embedder}).embedQuery("abc")).toEqual([3, 0.5]);
  });

  it("an engine without embeddings is a NotSupportedError", async () => {
    await expect(new H2oGptEmbeddings({engine: new FakeEngine()}).embedQuery("x")).rejects.toBeInstanceOf(NotSupportedError);
  });
});
