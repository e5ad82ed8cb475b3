import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import Database from "better-sqlite3";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {collectionPath, listCollections, openCollection} from "./collections.js";
import {CollectionNotFoundError, EmbeddingMismatchError} from "./docs-errors.js";
import type {DocumentCollection} from "./document-collection.js";
import type {Embedder} from "./embedder.js";
import {ingest, type IngestOptions} from "./ingest.js";
import {unavailableOcr} from "./loaders/test-fixtures/loader-fixtures.js";
import {makeDocx, docxParagraph} from "./loaders/test-fixtures/office-fixtures.js";
import {retrieve} from "./retrieve.js";

let dir: string;
let collection: DocumentCollection;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-ingest-"));
  collection = openCollection({persistDirectory: join(dir, "db"), user: "alice"}, "UserData", {create: true});
});

afterEach(async () => {
  collection.close();
  await rm(dir, {recursive: true, force: true});
});

function run(inputs: string[], extra: Partial<IngestOptions> = {}) {
  return ingest({collection, inputs, ocr: unavailableOcr, ...extra});
}

/** Everything a collection holds that a clean run must reproduce: sources, hashes and chunk texts, in order. */
function contents(target: DocumentCollection): unknown {
  return target.documents().map((document) => ({
    source: document.source,
    chunks: target.chunksOf(document.id).map((chunk) => [chunk.chunkId, chunk.page, chunk.start, chunk.end, chunk.content])
  }));
}

describe("ingest", () => {
  it("loads a folder of mixed files, reports each bad one with its reason, and keeps going", async () => {
    const docs = join(dir, "docs");
    await mkdir(join(docs, "sub"), {recursive: true});
    await writeFile(join(docs, "a.md"), "# Alpha\n\nThe alpha reactor runs at 451 kelvin.\n");
    await writeFile(join(docs, "sub", "b.html"), "<html><head><title>Beta</title><script>no()</script></head><body><p>Beta ships on Tuesdays.</p></body></html>");
    await writeFile(join(docs, "c.csv"), "city,founded\nOslo,1040\nBergen,1070\n");
    await writeFile(join(docs, "d.docx"), makeDocx(docxParagraph("Delta warranty lasts seven years.")));
    await writeFile(join(docs, "broken.pdf"), "%PDF-1.7\nthis is not really a pdf");
    await writeFile(join(docs, "song.mp3"), Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]));
    await writeFile(join(docs, "empty.txt"), "   \n");
    await writeFile(join(docs, ".hidden.txt"), "never ingested");

    const summary = await run([docs, join(dir, "missing.txt")]);
    expect(summary).toMatchObject({added: 4, updated: 0, unchanged: 0, failed: 4, documents: 5});
    const reasons = Object.fromEntries(summary.failures.map((failure) => [failure.source.replace(dir, ""), failure.reason]));
    expect(Object.keys(reasons).sort()).toEqual(["/docs/broken.pdf", "/docs/empty.txt", "/docs/song.mp3", "/missing.txt"]);
    expect(reasons["/docs/broken.pdf"]).toMatch(/^corrupt PDF/);
    expect(reasons["/docs/song.mp3"]).toBe("audio is not supported (no speech-to-text model is available)");
    expect(reasons["/docs/empty.txt"]).toMatch(/empty/);
    expect(reasons["/missing.txt"]).toBe("no such file or folder");
    expect(summary.failureCount).toBe(4);
    expect(collection.documents().map((document) => document.source.replace(dir, ""))).toEqual([
      "/docs/a.md",
      "/docs/c.csv#row=1",
      "/docs/c.csv#row=2",
      "/docs/d.docx",
      "/docs/sub/b.html"
    ]);
    const [best] = await retrieve({collection, query: "How long is the Delta warranty?", topK: 1});
    expect(best?.source).toBe(join(docs, "d.docx"));
  });

  it("is incremental: unchanged files are skipped, changed ones replace their chunks, removed ones can be deleted", async () => {
    const docs = join(dir, "docs");
    await mkdir(docs);
    await writeFile(join(docs, "one.txt"), "Version one mentions the blue heron.");
    await writeFile(join(docs, "two.txt"), "The second file is about otters.");
    expect(await run([docs])).toMatchObject({added: 2, unchanged: 0});
    const again = await run([docs]);
    expect(again).toMatchObject({added: 0, updated: 0, unchanged: 2, documents: 0, chunks: 0});

    await writeFile(join(docs, "one.txt"), "Version two mentions the grey wagtail instead.");
    expect(await run([docs])).toMatchObject({added: 0, updated: 1, unchanged: 1});
    expect(await retrieve({collection, query: "heron", topK: 5})).toEqual([]);
    expect((await retrieve({collection, query: "wagtail", topK: 5})).map((hit) => hit.source)).toEqual([join(docs, "one.txt")]);

    await rm(join(docs, "two.txt"));
    expect(await run([docs])).toMatchObject({unchanged: 1, removed: 0});
    expect(await run([docs], {removeMissing: true})).toMatchObject({unchanged: 1, removed: 1});
    expect(collection.stats()).toMatchObject({files: 1, documents: 1});
    expect(collection.deleteSource(join(docs, "one.txt"))).toBe(1);
    expect(collection.stats()).toMatchObject({files: 0, documents: 0, chunks: 0});
    expect(await retrieve({collection, query: "wagtail", topK: 5})).toEqual([]);
  });

  it("keeps a file's earlier version when its new content cannot be read", async () => {
    const file = join(dir, "report.txt");
    await writeFile(file, "The audit found nine issues.");
    await run([file]);
    await writeFile(file, Buffer.from([0, 1, 2, 3, 0, 0, 0]));
    const summary = await run([file]);
    expect(summary).toMatchObject({failed: 1, updated: 0});
    expect((await retrieve({collection, query: "audit issues", topK: 1}))[0]?.source).toBe(file);
  });

  it("commits in batches and ends, after an interrupted run, exactly as one clean run", async () => {
    const docs = join(dir, "docs");
    await mkdir(docs);
    for (let i = 0; i < 12; i++) await writeFile(join(docs, `f${String(i).padStart(2, "0")}.txt`), `File ${i} talks about topic ${i}.\n\n`.repeat(40 + i));
    const controller = new AbortController();
    let seen = 0;
    await expect(
      run([docs], {
        batchChars: 2000,
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.filesDone >= 5 && seen++ === 0) controller.abort(new Error("stop"));
        }
      })
    ).rejects.toThrow("stop");
    const partial = collection.stats();
    expect(partial.files).toBeGreaterThan(0);
    expect(partial.files).toBeLessThan(12);
    await run([docs]);

    const clean = openCollection({persistDirectory: join(dir, "clean"), user: "alice"}, "UserData", {create: true});
    try {
      await ingest({collection: clean, inputs: [docs], ocr: unavailableOcr});
      expect(contents(collection)).toEqual(contents(clean));
      expect(collection.stats()).toEqual(clean.stats());
    } finally {
      clean.close();
    }
  });

  it("refuses URLs unless allowed and never ingests its own database folder", async () => {
    await writeFile(join(dir, "note.txt"), "A note about lighthouses.");
    const summary = await run([dir, "http://example.com/x.html"]);
    expect(summary.failures).toEqual([{source: "http://example.com/x.html", reason: "URLs are fetched only with --allow_urls"}]);
    expect(collection.documents().map((document) => document.source)).toEqual([join(dir, "note.txt")]);
  });

  it("stores vectors with the embedding model's identity and refuses another model", async () => {
    const fake = (digest: string, dimension: number): Embedder => ({
      identity: {name: `${digest}.gguf`, digest, dimension},
      embed: async (texts) => texts.map((text) => Float32Array.from({length: dimension}, (_, i) => (text.length % (i + 2)) + 1)),
      close: async () => undefined
    });
    await writeFile(join(dir, "v.txt"), "Vectors are stored beside the text.\n\nA second paragraph.");
    await run([join(dir, "v.txt")], {embedder: fake("model-a", 8)});
    expect(collection.embedding).toEqual({name: "model-a.gguf", digest: "model-a", dimension: 8});
    const hits = await retrieve({collection, query: "vectors stored", topK: 2, embedder: fake("model-a", 8)});
    expect(hits[0]?.source).toBe(join(dir, "v.txt"));
    expect(hits.every((hit) => hit.score >= 0 && hit.score <= 1)).toBe(true);
    await expect(retrieve({collection, query: "x", embedder: fake("model-b", 8)})).rejects.toThrow(EmbeddingMismatchError);
    await expect(run([join(dir, "v.txt")], {embedder: fake("model-b", 4)})).rejects.toThrow(/embedded with model-a.gguf \(8 dimensions\).*--reembed/);
  });
});

describe("collections", () => {
  it("keeps MyData and private collections per user, and UserData shared", async () => {
    const persistDirectory = join(dir, "db");
    const alice = {persistDirectory, user: "alice"};
    const bob = {persistDirectory, user: "bob"};
    expect(collectionPath(alice, "MyData")).not.toBe(collectionPath(bob, "MyData"));
    expect(collectionPath(alice, "UserData")).toBe(collectionPath(bob, "UserData"));

    await writeFile(join(dir, "secret.txt"), "Alice's private salary figure is 123456.");
    const mine = openCollection(alice, "MyData", {create: true});
    const project = openCollection(alice, "project-x", {create: true});
    try {
      await ingest({collection: mine, inputs: [join(dir, "secret.txt")], ocr: unavailableOcr});
      await ingest({collection: project, inputs: [join(dir, "secret.txt")], ocr: unavailableOcr});
    } finally {
      mine.close();
      project.close();
    }
    const bobs = openCollection(bob, "MyData");
    try {
      expect(await retrieve({collection: bobs, query: "salary figure", topK: 5})).toEqual([]);
    } finally {
      bobs.close();
    }
    expect(() => openCollection(bob, "project-x")).toThrow(CollectionNotFoundError);
    expect(() => openCollection(bob, "project-x")).toThrow("no collection 'project-x' (langchain_mode); there are: LLM, UserData, MyData");
    expect(listCollections(alice).map((info) => info.name)).toEqual(["UserData", "MyData", "project-x"]);
    expect(listCollections(bob).map((info) => info.name)).toEqual(["UserData", "MyData"]);
    expect(listCollections({...bob, sharedCollections: ["wiki"]}).map((info) => [info.name, info.shared])).toEqual([
      ["UserData", true],
      ["MyData", false],
      ["wiki", true]
    ]);
    expect(() => openCollection(alice, "../etc")).toThrow(/not valid/);
    expect(() => openCollection(alice, "LLM")).toThrow(/LLM has no documents/);
  });
});

describe("ingest limits", () => {
  it("stores at most 200 characters of a heading with each chunk", async () => {
    const heading = "H".repeat(5000);
    const file = join(dir, "long-heading.md");
    await writeFile(file, `# ${heading}\n\n${"Body text about heron migration. ".repeat(40)}`);
    await run([file]);
    expect(collection.chunksInOrder().length).toBeGreaterThan(1);
    const reader = new Database(collection.path, {readonly: true});
    try {
      const row = reader.prepare("SELECT count(*) AS n, max(length(section)) AS longest FROM chunks").get() as {n: number; longest: number};
      expect(row.n).toBeGreaterThan(1);
      expect(row.longest).toBe(200);
    } finally {
      reader.close();
    }
  });
});
