import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {PgDatabase, PgvectorMissingError} from "../../src/db/index.js";
import {pgCollections, sqliteCollections, type CollectionBackend} from "../../src/docs/index.js";
import {postgresUnavailable, startPostgres, type TestPostgres} from "../support/postgres.js";
import {runMain} from "../support/run-main.js";
import {describeCollectionBackend} from "./collection-suite.js";

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-collections-"));
let folders = 0;
let server: TestPostgres | undefined;
const backends: (CollectionBackend & {close(): Promise<void>})[] = [];
let databases = 0;

beforeAll(async () => {
  if (postgresUnavailable == null) server = await startPostgres();
});
afterAll(async () => {
  for (const backend of backends) await backend.close();
  await server?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describeCollectionBackend("SQLite", async () => ({backend: sqliteCollections, persistDirectory: join(dir, `db-${++folders}`)}));

describe.skipIf(postgresUnavailable != null)("PostgreSQL", () => {
  const fresh = async (): Promise<CollectionBackend & {close(): Promise<void>}> => {
    const backend = pgCollections(await PgDatabase.open({url: await server!.createDatabase(`docs_${++databases}`), poolSize: 4}), {ownsDatabase: true});
    backends.push(backend);
    return backend;
  };
  describeCollectionBackend("PostgreSQL", async () => ({backend: await fresh(), persistDirectory: "unused"}));

  it("says pgvector is missing when a collection is given vectors", async () => {
    const collection = await (await fresh()).open({persistDirectory: "unused", user: "alice"}, "MyData");
    const identity = {name: "embed.gguf", digest: "d", dimension: 8};
    expect(() => collection.useEmbedding(identity, "hint")).toThrow(PgvectorMissingError);
    expect(() => collection.useEmbedding(identity, "hint")).toThrow(
      "postgres:user:alice/MyData: vectors need the pgvector extension, which this PostgreSQL server is missing (install pgvector, or use BM25 without --embedding_model)"
    );
  });

  it("ingest, retrieve and generate's collection take --db_url or H2OGPT_DB_URL", async () => {
    const url = await server!.createDatabase("cli");
    writeFileSync(join(dir, "heron.txt"), "The grey heron stands still in shallow water, waiting for fish.");
    const ingested = await runMain(["ingest", `--db_url=${url}`, "--langchain_mode=UserData", "--json", "heron.txt"], {cwd: dir});
    expect(ingested.code).toBe(0);
    expect(JSON.parse(ingested.out)).toMatchObject({langchain_mode: "UserData", persist_path: "postgres:shared/UserData", added: 1});
    const retrieved = await runMain(["retrieve", "--langchain_mode=UserData", "--query=What does the heron wait for?", "--json"], {cwd: dir, env: {H2OGPT_DB_URL: url}});
    expect(retrieved.code).toBe(0);
    expect(JSON.parse(retrieved.out).sources.map((hit: {source: string}) => hit.source)).toEqual([join(dir, "heron.txt")]);
    const missing = await runMain(["retrieve", `--db_url=${url}`, "--langchain_mode=Nope", "--query=heron"], {cwd: dir});
    expect([missing.code, missing.err]).toEqual([2, "h2ogpt retrieve: no collection 'Nope' (langchain_mode); there are: LLM, UserData, MyData\n"]);
    const wrongScheme = await runMain(["ingest", "--db_url=mysql://db/h2ogpt", "heron.txt"], {cwd: dir});
    expect([wrongScheme.code, wrongScheme.err]).toEqual([2, "h2ogpt ingest: --db_url: expected a postgres:// URL, got mysql:// (SQLite is the default without --db_url)\n"]);
  });
});
