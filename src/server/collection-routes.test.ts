import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {jsonInit, makeHarness, type Harness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {CollectionManager, ingest} from "../docs/index.js";
import {unavailableOcr} from "../docs/loaders/test-fixtures/loader-fixtures.js";
import {loadApiKeys} from "./api-keys.js";

const ALICE = "sk-alice-0123456789abcdef";
const BOB = "sk-bob-0123456789abcdefgh";

let dir: string;
let collections: CollectionManager;
let harness: Harness;

const as = (key: string, init: RequestInit = {}): RequestInit => ({...init, headers: {...(init.headers as Record<string, string>), authorization: `Bearer ${key}`}});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-collection-routes-"));
  collections = new CollectionManager({persistDirectory: join(dir, "db"), ocr: unavailableOcr});
  const apiKeys = loadApiKeys({env: `${ALICE},${BOB}`});
  harness = makeHarness({models: [new ScriptedModel()], apiKeys, collections});
  await writeFile(join(dir, "alice.txt"), "Alice keeps the launch codes for project Nightjar in the blue binder.");
  await writeFile(join(dir, "shared.txt"), "The cafeteria opens at seven thirty every weekday.");
  const [aliceUser] = apiKeys;
  await ingest({collection: await collections.collection(aliceUser!.identity, "MyData"), inputs: [join(dir, "alice.txt")], ocr: unavailableOcr});
  await ingest({collection: await collections.collection(aliceUser!.identity, "nightjar", {create: true}), inputs: [join(dir, "alice.txt")], ocr: unavailableOcr});
  await ingest({collection: await collections.collection("", "UserData"), inputs: [join(dir, "shared.txt")], ocr: unavailableOcr});
});

afterEach(async () => {
  await collections.close();
  harness.store.close();
  await rm(dir, {recursive: true, force: true});
});

describe("collection routes", () => {
  it("lists each user's own collections and the shared ones", async () => {
    const alice = await (await harness.fetch("/api/collections", as(ALICE))).json();
    expect(alice.collections.map((c: {name: string; documents: number}) => [c.name, c.documents])).toEqual([
      ["UserData", 1],
      ["MyData", 1],
      ["nightjar", 1]
    ]);
    const bob = await (await harness.fetch("/api/collections", as(BOB))).json();
    expect(bob.collections.map((c: {name: string; documents: number}) => [c.name, c.documents])).toEqual([
      ["UserData", 1],
      ["MyData", 0]
    ]);
  });

  it("retrieves with sources from the caller's collections only", async () => {
    const ask = (key: string, name: string) => harness.fetch(`/api/collections/${name}/retrieve`, as(key, jsonInit({query: "Where are the launch codes?", top_k_docs: 3})));
    const mine = await (await ask(ALICE, "MyData")).json();
    expect(mine.sources).toHaveLength(1);
    expect(mine.sources[0]).toMatchObject({source: join(dir, "alice.txt"), page: null, chunk_id: 0});
    expect(mine.sources[0].score).toBeGreaterThan(0);
    expect(mine.sources[0].score).toBeLessThanOrEqual(1);
    expect(await (await ask(BOB, "MyData")).json()).toEqual({sources: []});
    const hidden = await ask(BOB, "nightjar");
    expect(hidden.status).toBe(404);
    expect((await hidden.json()).error.message).toBe("no collection 'nightjar' (langchain_mode); there are: LLM, UserData, MyData");
    const shared = await (await harness.fetch("/api/collections/UserData/retrieve", as(BOB, jsonInit({query: "when does the cafeteria open"})))).json();
    expect(shared.sources[0].source).toBe(join(dir, "shared.txt"));
  });

  it("answers another user's private collection exactly like a missing one, for every route", async () => {
    for (const [path, init] of [
      ["/api/collections/nightjar/documents", {}],
      [`/api/collections/nightjar/documents?source=${encodeURIComponent(join(dir, "alice.txt"))}`, {method: "DELETE"}],
      ["/api/collections/nightjar/purge", {method: "POST", headers: {"content-type": "application/json"}, body: "{}"}]
    ] as const) {
      const bobs = await harness.fetch(path, as(BOB, init));
      const missing = await harness.fetch(path.replace("nightjar", "nosuchname"), as(BOB, init));
      expect([bobs.status, missing.status]).toEqual([404, 404]);
      expect((await bobs.json()).error.code).toBe((await missing.json()).error.code);
    }
    const alice = await (await harness.fetch("/api/collections/nightjar/documents", as(ALICE))).json();
    expect(alice.documents).toHaveLength(1);
  });

  it("deletes a document and purges a collection of the caller's", async () => {
    const source = encodeURIComponent(join(dir, "alice.txt"));
    const deleted = await harness.fetch(`/api/collections/MyData/documents?source=${source}`, as(ALICE, {method: "DELETE"}));
    expect(deleted.status).toBe(200);
    expect((await harness.fetch(`/api/collections/MyData/documents?source=${source}`, as(ALICE, {method: "DELETE"}))).status).toBe(404);
    const purged = await harness.fetch("/api/collections/nightjar/purge", as(ALICE, jsonInit({})));
    expect(purged.status).toBe(200);
    expect((await (await harness.fetch("/api/collections/nightjar/documents", as(ALICE))).json()).documents).toEqual([]);
  });

  it("refuses bad requests with the field named", async () => {
    const empty = await harness.fetch("/api/collections/UserData/retrieve", as(ALICE, jsonInit({top_k_docs: 3})));
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toBe("query: is required");
    const typo = await harness.fetch("/api/collections/UserData/retrieve", as(ALICE, jsonInit({query: "x", top_k_doc: 3})));
    expect((await typo.json()).error.message).toMatch(/unknown field "top_k_doc"; did you mean top_k_docs\?/);
    const badName = await harness.fetch("/api/collections/..%2Fetc/documents", as(ALICE));
    expect(badName.status).toBe(404);
  });
});
