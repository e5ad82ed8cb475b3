import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {CollectionNotFoundError, ingest, type CollectionBackend, type CollectionScope} from "../../src/docs/index.js";
import {unavailableOcr} from "../../src/docs/loaders/test-fixtures/loader-fixtures.js";

/**
 * The document collection contract, run unchanged against each backend (collections.model.test.ts: SQLite files
 * and PostgreSQL). The factory gives a fresh, empty backend and the persist directory its scopes use.
 */
export function describeCollectionBackend(name: string, factory: () => Promise<{backend: CollectionBackend; persistDirectory: string}>): void {
  describe(`CollectionBackend: ${name}`, () => {
    const scopeOf = (persistDirectory: string, user: string): CollectionScope => ({persistDirectory, user, sharedCollections: ["Team"]});

    it("ingests incrementally: unchanged files are skipped, changed ones replaced, missing ones removed", async () => {
      const {backend, persistDirectory} = await factory();
      const folder = mkdtempSync(join(tmpdir(), "h2ogpt-suite-docs-"));
      try {
        writeFileSync(join(folder, "llamas.txt"), "Llamas are domesticated South American camelids used as pack animals.");
        writeFileSync(join(folder, "tea.txt"), "Green tea is steeped briefly in water below boiling.");
        const collection = await backend.open(scopeOf(persistDirectory, "alice"), "MyData");
        const run = () => ingest({collection, inputs: [folder], ocr: unavailableOcr, removeMissing: true});
        expect(await run()).toMatchObject({added: 2, updated: 0, unchanged: 0, removed: 0, documents: 2, failureCount: 0});
        expect(await run()).toMatchObject({added: 0, updated: 0, unchanged: 2, removed: 0});
        writeFileSync(join(folder, "llamas.txt"), "Alpacas are smaller than llamas and are bred for their fleece.");
        rmSync(join(folder, "tea.txt"));
        expect(await run()).toMatchObject({added: 0, updated: 1, unchanged: 0, removed: 1});
        const documents = await collection.documents();
        expect(documents.map((document) => [document.source, document.format, document.chunks])).toEqual([[join(folder, "llamas.txt"), "text", 1]]);
        expect((await collection.file(join(folder, "llamas.txt")))?.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(await collection.stats()).toMatchObject({files: 1, documents: 1, chunks: 1, embedding: undefined});
        const [hit] = await collection.search({query: "fleece", topK: 5});
        expect(hit!.content).toBe("Alpacas are smaller than llamas and are bred for their fleece.");
        expect(await collection.search({query: "steeped tea", topK: 5})).toEqual([]);
      } finally {
        rmSync(folder, {recursive: true, force: true});
      }
    });

    it("ranks the chunk sharing the question's words first, scores in [0, 1], filters by source, deletes and purges", async () => {
      const {backend, persistDirectory} = await factory();
      const collection = await backend.open(scopeOf(persistDirectory, "alice"), "Notes", {create: true});
      await ingest({
        collection,
        inputs: [
          {name: "handbook.md", bytes: Buffer.from("# Leave\n\nUnused vacation days carry over to the next year, up to five days.\n")},
          {name: "menu.md", bytes: Buffer.from("# Canteen\n\nThe canteen serves soup at noon and pizza on Fridays.\n")},
          {name: "travel.md", bytes: Buffer.from("# Travel\n\nBook trains two weeks ahead; the next year budget is set in May.\n")}
        ],
        ocr: unavailableOcr
      });
      const hits = await collection.search({query: "How many vacation days carry over?", topK: 3});
      expect(hits[0]!.source).toBe("handbook.md");
      expect(hits.every((hit) => hit.score > 0 && hit.score <= 1)).toBe(true);
      expect(hits.map((hit) => hit.source)).not.toContain("menu.md");
      const onlyTravel = await collection.search({query: "next year days", topK: 3, sources: ["travel.md"]});
      expect(onlyTravel.map((hit) => hit.source)).toEqual(["travel.md"]);
      expect(await collection.search({query: "zebra", topK: 3})).toEqual([]);
      expect(await collection.search({query: "vacation", topK: 0})).toEqual([]);

      const again = await collection.chunk(hits[0]!.chunkRowId);
      expect(again).toMatchObject({source: "handbook.md", content: hits[0]!.content, chunkId: 0, score: 1});
      const document = (await collection.document(hits[0]!.documentId))!;
      expect([document.source, document.format, document.title]).toEqual(["handbook.md", "markdown", "Leave"]);
      expect((await collection.chunksOf(document.id)).map((chunk) => chunk.chunkRowId)).toEqual([hits[0]!.chunkRowId]);
      expect((await collection.chunksInOrder({limit: 2})).map((chunk) => chunk.source)).toEqual(["handbook.md", "menu.md"]);
      expect((await collection.chunksInOrder({sources: ["menu.md"]})).map((chunk) => chunk.source)).toEqual(["menu.md"]);

      expect(await collection.deleteDocument(document.id)).toBe(true);
      expect(await collection.deleteDocument(document.id)).toBe(false);
      expect(await collection.chunk(hits[0]!.chunkRowId)).toBeUndefined();
      expect(await collection.deleteSource("menu.md")).toBe(1);
      expect(await collection.deleteSource("menu.md")).toBe(0);
      expect((await collection.stats()).documents).toBe(1);
      await collection.purge();
      expect(await collection.stats()).toMatchObject({files: 0, documents: 0, chunks: 0, textChars: 0});
    });

    it("keeps private collections to their user and shares UserData and shared names", async () => {
      const {backend, persistDirectory} = await factory();
      const alice = scopeOf(persistDirectory, "alice");
      const bob = scopeOf(persistDirectory, "bob");
      const secret = await backend.open(alice, "Secret", {create: true});
      await ingest({collection: secret, inputs: [{name: "plan.txt", bytes: Buffer.from("The launch code word is heliotrope.")}], ocr: unavailableOcr});
      const shared = await backend.open(alice, "UserData");
      await ingest({collection: shared, inputs: [{name: "faq.txt", bytes: Buffer.from("The office opens at nine.")}], ocr: unavailableOcr});

      const error = await backend.open(bob, "Secret").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CollectionNotFoundError);
      expect((error as Error).message).toBe("no collection 'Secret' (langchain_mode); there are: LLM, UserData, MyData, Team");
      // Bob's own collection of the same name is another collection.
      const bobs = await backend.open(bob, "Secret", {create: true});
      expect(await bobs.search({query: "heliotrope", topK: 3})).toEqual([]);
      expect(await (await backend.open(bob, "MyData")).search({query: "heliotrope", topK: 3})).toEqual([]);
      expect((await (await backend.open(bob, "UserData")).search({query: "office opens", topK: 3})).map((hit) => hit.source)).toEqual(["faq.txt"]);
      expect(backend.locate(alice, "UserData")).toBe(backend.locate(bob, "UserData"));
      expect(backend.locate(alice, "Secret")).not.toBe(backend.locate(bob, "Secret"));

      const listed = (await backend.list(alice)).map((info) => [info.name, info.shared, info.exists]);
      expect(listed.sort()).toEqual([["MyData", false, false], ["Secret", false, true], ["Team", true, false], ["UserData", true, true]]);
      for (const collection of [secret, shared, bobs]) collection.close();
      expect(await backend.remove(alice, "Secret")).toBe(true);
      expect(await backend.remove(alice, "Secret")).toBe(false);
      expect((await backend.list(alice)).map((info) => info.name).sort()).toEqual(["MyData", "Team", "UserData"]);
    });
  });
}
