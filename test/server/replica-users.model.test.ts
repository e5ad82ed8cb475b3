import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import pg from "pg";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {PgDatabase} from "../../src/db/index.js";
import {startServer, type RunningServer} from "../../src/server/index.js";
import {hashPassword} from "../../src/server/password-hash.js";
import {postgresUnavailable, startPostgres, type TestPostgres} from "../support/postgres.js";
import {tinyLlamaPath} from "../support/shared.js";
import {ScriptedModel} from "./scripted-model.js";
import {spawnServe, stopServe, type ServeProcess} from "./serve-process.js";

/**
 * Users and API keys in the shared database: replica A is started with `--auth` and `--api_keys`, replica B with
 * only `--db_url`, and B knows every user, admin flag and key that A's files seeded. B is a real `h2ogpt serve`
 * process; A runs in this process (startServer with its own pool), so restarting it costs no model load.
 */

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-replica-users-"));
const authFile = join(dir, "auth.json");
const KEY = "sk-replica-users-0123456789";
let server: TestPostgres | undefined;
let dbUrl: string;

type Replica = ServeProcess;

async function startA(files: {apiKeysFile?: string}): Promise<RunningServer> {
  return startServer({
    models: [new ScriptedModel()],
    port: 0,
    database: await PgDatabase.open({url: dbUrl, poolSize: 4}),
    authFile,
    apiKeysFile: files.apiKeysFile
  });
}

function startReplica(extra: string[]): Promise<Replica> {
  // Ready once both lines are out: the address and what seeding changed.
  return spawnServe([`--base_model=${tinyLlamaPath}`, "--prompt_type=plain", "--port=0", `--db_url=${dbUrl}`, `--persist_directory=${join(dir, "unused-collections")}`, ...extra], {
    readyErr: /users in the database: .*\n/
  });
}

async function writeAuthFile(alicePassword: string): Promise<void> {
  // Hashed already, so the replica does not rewrite the file.
  writeFileSync(authFile, JSON.stringify({alice: {password_hash: await hashPassword(alicePassword)}, root: {password_hash: await hashPassword("root-pw"), admin: true}}));
}

const json = {"content-type": "application/json"};

function login(replica: {url: string}, username: string, password: string): Promise<Response> {
  return fetch(`${replica.url}/auth/login`, {method: "POST", headers: json, body: JSON.stringify({username, password})});
}

async function session(replica: {url: string}, username: string, password: string): Promise<string> {
  const response = await login(replica, username, password);
  expect(response.status).toBe(200);
  return `h2ogpt_session=${/h2ogpt_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")![1]!}`;
}

describe.skipIf(tinyLlamaPath == null || postgresUnavailable != null)("users and API keys shared by replicas", () => {
  let a: RunningServer;
  let b: Replica;

  beforeAll(async () => {
    server = await startPostgres();
    dbUrl = await server.createDatabase("replica_users");
    await writeAuthFile("alice-pw");
    writeFileSync(join(dir, "keys.txt"), `${KEY}\n`);
    a = await startA({apiKeysFile: join(dir, "keys.txt")});
    b = await startReplica([]);
  });

  afterAll(async () => {
    await a?.close();
    if (b != null) await stopServe(b.child);
    await server?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it("lets B, started with only --db_url, sign in A's users and keys, with their admin flags", async () => {
    expect(a.seeded).toEqual({usersAdded: ["alice", "root"], usersUpdated: [], usersRemoved: [], keysAdded: 1, keysRemoved: 0});
    expect(b.err()).toContain("h2ogpt serve: users in the database: 0 added, 0 updated, 0 removed; API keys: 0 added, 0 removed\n");
    expect(await (await fetch(`${b.url}/auth/session`)).json()).toEqual({user: null, via: null, auth_required: true, login_methods: ["password", "api_key"]});
    expect((await fetch(`${b.url}/api/info`)).status).toBe(401);

    const alice = {headers: {cookie: await session(b, "alice", "alice-pw")}};
    expect((await (await fetch(`${b.url}/api/info`, alice)).json()).admin).toBe(false);
    expect((await fetch(`${b.url}/api/admin/models`, alice)).status).toBe(403);
    const root = {headers: {cookie: await session(b, "root", "root-pw")}};
    expect((await fetch(`${b.url}/api/admin/models`, root)).status).toBe(200);
    expect((await login(b, "alice", "root-pw")).status).toBe(401);

    expect((await fetch(`${b.url}/v1/models`, {headers: {authorization: `Bearer ${KEY}`}})).status).toBe(200);
    expect((await fetch(`${b.url}/v1/models`, {headers: {authorization: "Bearer sk-replica-users-012345678"}})).status).toBe(401);
    const client = new pg.Client({connectionString: dbUrl});
    await client.connect();
    const {rows} = await client.query("SELECT source, last_used_at IS NOT NULL AS used FROM api_keys");
    await client.end();
    expect(rows).toEqual([{source: join(dir, "keys.txt"), used: true}]);
  });

  it("applies a password changed in A's file on B once A restarts", async () => {
    await writeAuthFile("alice-new-pw");
    await a.close();
    a = await startA({});
    // root's hash changed too: the file was written again, with a new salt.
    expect(a.seeded).toEqual({usersAdded: [], usersUpdated: ["alice", "root"], usersRemoved: [], keysAdded: 0, keysRemoved: 0});
    expect((await login(b, "alice", "alice-new-pw")).status).toBe(200);
    expect((await login(b, "alice", "alice-pw")).status).toBe(401);
    // Keys are never removed by a replica that was not given them (nor by one that was, without --prune_users).
    expect((await fetch(`${b.url}/v1/models`, {headers: {authorization: `Bearer ${KEY}`}})).status).toBe(200);
  });
});
