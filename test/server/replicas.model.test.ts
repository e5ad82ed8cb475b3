import type {ChildProcess} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import pg from "pg";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {hashPassword} from "../../src/server/password-hash.js";
import {postgresUnavailable, startPostgres, type TestPostgres} from "../support/postgres.js";
import {tinyLlamaPath} from "../support/shared.js";
import {spawnServe, stopServe, type ServeProcess} from "./serve-process.js";

/**
 * Two `h2ogpt serve` processes (A and B) on two ports sharing one PostgreSQL database (`--db_url`), as replicas
 * behind a load balancer would: whatever one replica stored, the other serves.
 */

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-replicas-"));
const children: ChildProcess[] = [];
let server: TestPostgres | undefined;
let dbUrl: string;

type Replica = ServeProcess;

function startReplica(dbUrl: string): Promise<Replica> {
  return spawnServe(
    [
      `--base_model=${tinyLlamaPath}`,
      "--prompt_type=plain",
      "--port=0",
      `--db_url=${dbUrl}`,
      `--auth=${join(dir, "auth.json")}`,
      `--persist_directory=${join(dir, "unused-collections")}`,
      `--history_db=${join(dir, "unused.db")}`,
      "--max_seq_len=4096"
    ],
    {children}
  );
}

const json = {"content-type": "application/json"};

async function login(replica: Replica, username: string, password: string): Promise<string> {
  const response = await fetch(`${replica.url}/auth/login`, {method: "POST", headers: json, body: JSON.stringify({username, password})});
  expect(response.status).toBe(200);
  return /h2ogpt_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")![1]!;
}

function as(cookie: string) {
  const headers = {...json, cookie: `h2ogpt_session=${cookie}`};
  return {
    get: (replica: Replica, path: string) => fetch(`${replica.url}${path}`, {headers}),
    post: (replica: Replica, path: string, body: unknown) => fetch(`${replica.url}${path}`, {method: "POST", headers, body: JSON.stringify(body)})
  };
}

const skip = tinyLlamaPath == null || postgresUnavailable != null;

describe.skipIf(skip)("replicas sharing one PostgreSQL database", () => {
  let a: Replica;
  let b: Replica;
  /** Alice's session for the last test, made before the throttle test locks her password logins for a while. */
  let aliceSession: string;

  beforeAll(async () => {
    server = await startPostgres();
    dbUrl = await server.createDatabase("replicas");
    // Hashed already, so neither replica rewrites the file while the other reads it.
    writeFileSync(join(dir, "auth.json"), JSON.stringify({alice: {password_hash: await hashPassword("alice-pw")}, bob: {password_hash: await hashPassword("bob-pw")}}));
    // Started together: both migrate the new database at once.
    [a, b] = await Promise.all([startReplica(dbUrl), startReplica(dbUrl)]);
    aliceSession = await login(a, "alice", "alice-pw");
  });

  afterAll(async () => {
    for (const child of children) await stopServe(child);
    await server?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it("logs in on A and continues the chat on B; another user sees nothing on either", async () => {
    const alice = as(await login(a, "alice", "alice-pw"));
    const chat = await (await alice.post(a, "/api/chats", {})).json();
    expect((await alice.post(a, `/api/chats/${chat.id}/messages`, {content: "first question"})).status).toBe(201);
    expect(await (await alice.post(a, `/api/chats/${chat.id}/answer`, {model: chat.models[0], max_new_tokens: 4})).text()).toContain("event: done");

    // The session made on A is valid on B, and B continues the same conversation.
    expect((await (await alice.get(b, "/auth/session")).json()).user).toBe("alice");
    expect((await alice.post(b, `/api/chats/${chat.id}/messages`, {content: "second question"})).status).toBe(201);
    expect(await (await alice.post(b, `/api/chats/${chat.id}/answer`, {model: chat.models[0], max_new_tokens: 4})).text()).toContain("event: done");
    const onA = await (await alice.get(a, `/api/chats/${chat.id}`)).json();
    expect(onA.messages.map((m: {turn: number; role: string; status: string}) => [m.turn, m.role, m.status])).toEqual([
      [1, "user", "complete"],
      [1, "assistant", "complete"],
      [2, "user", "complete"],
      [2, "assistant", "complete"]
    ]);
    expect(onA.title).toBe("first question");

    const bob = as(await login(b, "bob", "bob-pw"));
    for (const replica of [a, b]) {
      expect((await (await bob.get(replica, "/api/chats")).json()).chats).toEqual([]);
      expect((await bob.get(replica, `/api/chats/${chat.id}`)).status).toBe(404);
    }
    // Logging out on B ends the session on A too.
    expect((await alice.post(b, "/auth/logout", {})).status).toBe(200);
    expect((await alice.get(a, "/api/chats")).status).toBe(401);
  });

  it("answers on B from a document uploaded on A; another user's collections stay empty on both", async () => {
    const alice = as(aliceSession);
    const form = new FormData();
    form.append("langchain_mode", "MyData");
    form.append("file", new Blob(["The nightjar hunts moths at dusk and rests on branches by day."], {type: "text/plain"}), "nightjar.txt");
    const upload = await fetch(`${a.url}/api/documents`, {method: "POST", headers: {cookie: `h2ogpt_session=${aliceSession}`, "X-Requested-With": "fetch"}, body: form});
    expect(upload.status).toBe(202);
    const {job_id: jobId} = await upload.json();
    const deadline = Date.now() + 60_000;
    let job: {state: string; summary: {added: number} | null};
    for (;;) {
      job = await (await alice.get(a, `/api/documents/jobs/${jobId}`)).json();
      if (job.state !== "running" || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect([job.state, job.summary?.added]).toEqual(["done", 1]);

    const chat = await (await alice.post(b, "/api/chats", {})).json();
    await alice.post(b, `/api/chats/${chat.id}/messages`, {content: "What does the nightjar hunt?"});
    const answer = await (await alice.post(b, `/api/chats/${chat.id}/answer`, {model: chat.models[0], max_new_tokens: 4, langchain_mode: "MyData"})).text();
    const done = JSON.parse(answer.split("\n\n").find((block) => block.startsWith("event: done"))!.split("data: ")[1]!);
    expect(done.meta.sources.map((source: {source: string}) => source.source)).toEqual(["nightjar.txt"]);

    const bob = as(await login(b, "bob", "bob-pw"));
    for (const replica of [a, b]) {
      const retrieved = await (await bob.post(replica, "/api/collections/MyData/retrieve", {query: "nightjar moths"})).json();
      expect(retrieved.sources).toEqual([]);
      const listed = (await (await bob.get(replica, "/api/collections")).json()).collections;
      expect(listed.map((c: {name: string; documents: number}) => [c.name, c.documents])).toEqual([["UserData", 0], ["MyData", 0]]);
    }
  });

  it("throttles 20 concurrent wrong logins split across A and B as one", async () => {
    const wrong = (replica: Replica): Promise<number> =>
      fetch(`${replica.url}/auth/login`, {method: "POST", headers: json, body: JSON.stringify({username: "alice", password: "guess"})}).then((r) => r.status);
    // In ten rounds of two at once (one on each replica), so the per-process cap on verifications in flight
    // never refuses one: only the failure counters decide.
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) statuses.push(...(await Promise.all([wrong(a), wrong(b)])));
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    const verified = statuses.filter((status) => status === 401).length;
    // Counted per replica, each would verify its first 5 at once (10 in all). Counted as one, 5 are verified, then
    // the pair waits 1 s, 2 s, 4 s... after each further failure, which ten rounds cannot reach 10 with.
    expect(verified).toBeGreaterThanOrEqual(5);
    expect(verified).toBeLessThan(10);
    const client = new pg.Client({connectionString: dbUrl});
    await client.connect();
    const {rows} = await client.query("SELECT failures FROM throttle_counters WHERE key = $1", [`pair:${JSON.stringify(["alice", "127.0.0.1"])}`]);
    await client.end();
    expect(rows).toEqual([{failures: verified}]);
  });

  it("serves the chat from B with the partial answer marked interrupted after A is killed mid-answer", async () => {
    const alice = as(aliceSession);
    const chat = await (await alice.post(a, "/api/chats", {})).json();
    await alice.post(a, `/api/chats/${chat.id}/messages`, {content: "tell a long story"});
    const response = await alice.post(a, `/api/chats/${chat.id}/answer`, {model: chat.models[0], max_new_tokens: 4000, min_new_tokens: 4000});
    const reader = response.body!.getReader();
    // A saves a streaming answer every half second; B shows it as streaming while A lives.
    let saved: {content: string; status: string} | undefined;
    while (saved == null) {
      const {done} = await reader.read();
      expect(done, "the answer ended before A stored any of it").toBe(false);
      const answer = (await (await alice.get(b, `/api/chats/${chat.id}`)).json()).messages[1];
      expect(answer.status, "the answer finished before A stored part of it").toBe("streaming");
      if (answer.content !== "") saved = answer;
    }
    a.child.kill("SIGKILL");
    await new Promise((resolve) => a.child.once("exit", resolve));
    await reader.cancel().catch(() => undefined);

    const onB = await (await alice.get(b, `/api/chats/${chat.id}`)).json();
    expect(onB.messages.map((m: {role: string; status: string}) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "interrupted"]
    ]);
    expect(onB.messages[1].content.startsWith(saved.content)).toBe(true);
    expect(onB.messages[1].content.length).toBeGreaterThan(0);
  });
});
