import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {pathToFileURL} from "node:url";
import Database from "better-sqlite3";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {runMain} from "../../test/support/run-main.js";
import {projectRoot} from "../../test/support/shared.js";
import {collectionPath, openCollection, type DocumentCollection} from "../docs/index.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-ingest-model-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const h2ogpt = (...args: string[]) => runMain(args, {cwd: dir});

/** What a clean run must reproduce: every document's source and its chunks (index, page, offsets, text), in order. */
function contents(collection: DocumentCollection): unknown {
  return collection.documents().map((document) => ({
    source: document.source,
    chunks: collection.chunksOf(document.id).map((chunk) => [chunk.chunkId, chunk.page, chunk.start, chunk.end, chunk.content])
  }));
}

describe("h2ogpt ingest, killed and run again", () => {
  it("ends exactly as one clean run after kill -9 part way through", async () => {
    const corpus = join(dir, "corpus");
    await mkdir(corpus);
    // ~24 MB of text in 48 files: the default 4 MB batches commit several times before the run could finish.
    for (let i = 0; i < 48; i++) {
      const paragraph = `Report ${i} says the reservoir level was ${i * 7} centimetres on day ${i}. `.repeat(6);
      await writeFile(join(corpus, `report-${String(i).padStart(2, "0")}.txt`), `${paragraph}\n\n`.repeat(1000));
    }
    const persist = join(dir, "killed-db");
    const database = collectionPath({persistDirectory: persist, user: "local"}, "UserData");
    const tsx = pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const child = spawn(process.execPath, ["--import", tsx, join(projectRoot, "test/server/run-cli.ts"), "ingest", `--persist_directory=${persist}`, corpus], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"]
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    // Kill as soon as one batch is committed and before the last: poll what a reader sees.
    let committed = 0;
    const deadline = Date.now() + 120_000;
    while (committed === 0 && Date.now() < deadline && child.exitCode == null) {
      if (existsSync(database)) {
        const reader = new Database(database, {readonly: true, fileMustExist: true});
        try {
          committed = (reader.prepare("SELECT count(*) AS n FROM files WHERE hash IS NOT NULL").get() as {n: number}).n;
        } catch {
          committed = 0;
        } finally {
          reader.close();
        }
      }
      if (committed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(48);

    const rerun = await h2ogpt("ingest", `--persist_directory=${persist}`, "--json", corpus);
    expect(rerun.code).toBe(0);
    const resumed = JSON.parse(rerun.out);
    // A batch may land between the last poll and the kill; what was committed is never redone.
    expect(resumed.unchanged).toBeGreaterThanOrEqual(committed);
    expect(resumed).toMatchObject({failed: 0, added: 48 - resumed.unchanged - resumed.updated});
    expect((await h2ogpt("ingest", "--persist_directory=clean-db", "--json", corpus)).code).toBe(0);

    const killed = openCollection({persistDirectory: persist, user: "local"}, "UserData");
    const clean = openCollection({persistDirectory: join(dir, "clean-db"), user: "local"}, "UserData");
    try {
      expect(killed.stats()).toEqual(clean.stats());
      expect(killed.stats()).toMatchObject({files: 48, documents: 48});
      expect(contents(killed)).toEqual(contents(clean));
    } finally {
      killed.close();
      clean.close();
    }
  });
});

describe("h2ogpt ingest with an embedding model", () => {
  it("stores vectors, ranks with BM25 + vectors, and refuses another model until --reembed", async () => {
    await writeRandomLlamaGguf({path: join(dir, "embed-a.gguf"), nEmbd: 64, nLayer: 1, nHead: 4, nFf: 128, contextLength: 512, seed: 3});
    await writeRandomLlamaGguf({path: join(dir, "embed-b.gguf"), nEmbd: 32, nLayer: 1, nHead: 4, nFf: 64, contextLength: 512, seed: 4});
    await mkdir(join(dir, "notes"));
    await writeFile(join(dir, "notes", "owls.txt"), "Owls hunt at night and can turn their heads very far.");
    await writeFile(join(dir, "notes", "ferns.txt"), "Ferns reproduce with spores instead of seeds.");

    const ingested = await h2ogpt("ingest", "--langchain_mode=Vectors", "--embedding_model=embed-a.gguf", "--json", "notes");
    expect(ingested.code).toBe(0);
    expect(JSON.parse(ingested.out).collection.embedding).toMatchObject({name: "embed-a.gguf", dimension: 64});

    const hybrid = await h2ogpt("retrieve", "--langchain_mode=Vectors", "--embedding_model=embed-a.gguf", "--query=How do ferns reproduce?", "--json");
    expect(hybrid.code).toBe(0);
    const {sources} = JSON.parse(hybrid.out);
    expect(sources[0].source).toBe(join(dir, "notes", "ferns.txt"));
    expect(sources.every((hit: {score: number}) => hit.score >= 0 && hit.score <= 1)).toBe(true);

    const other = await h2ogpt("retrieve", "--langchain_mode=Vectors", "--embedding_model=embed-b.gguf", "--query=ferns");
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/^h2ogpt retrieve: the collection was embedded with embed-a\.gguf \(64 dimensions\), not embed-b\.gguf \(32\); to switch models run: h2ogpt ingest .*--embedding_model=embed-b\.gguf --reembed\n$/);
    const adding = await h2ogpt("ingest", "--langchain_mode=Vectors", "--embedding_model=embed-b.gguf", "notes");
    expect(adding.code).toBe(2);

    const bm25Only = await h2ogpt("retrieve", "--langchain_mode=Vectors", "--query=owls at night", "--json");
    expect(JSON.parse(bm25Only.out).sources[0].source).toBe(join(dir, "notes", "owls.txt"));
    expect(bm25Only.err).toContain("has vectors from embed-a.gguf; pass --embedding_model");

    const reembedded = await h2ogpt("ingest", "--langchain_mode=Vectors", "--embedding_model=embed-b.gguf", "--reembed", "--json");
    expect(reembedded.code).toBe(0);
    expect(JSON.parse(reembedded.out)).toEqual({langchain_mode: "Vectors", reembedded: 2});
    const switched = await h2ogpt("retrieve", "--langchain_mode=Vectors", "--embedding_model=embed-b.gguf", "--query=owls", "--json");
    expect(switched.code).toBe(0);
    expect(JSON.parse(switched.out).sources[0].source).toBe(join(dir, "notes", "owls.txt"));
  });
});
