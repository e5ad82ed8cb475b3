import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {MIGRATIONS, PgDatabase, SchemaVersionError} from "../../src/db/index.js";
import {HistoryStore} from "../../src/server/history-store.js";
import {PgHistoryStore} from "../../src/server/pg-history-store.js";
import {PgThrottleStore} from "../../src/server/pg-throttle-store.js";
import {PgUserStore} from "../../src/server/pg-user-store.js";
import {loadApiKeys} from "../../src/server/api-keys.js";
import {MemoryUserStore} from "../../src/server/user-store.js";
import {MemoryThrottleStore} from "../../src/server/throttle-store.js";
import {postgresUnavailable, startPostgres, type TestPostgres} from "../support/postgres.js";
import {describeChatStore, describeSessionStore, describeThrottleStore} from "./store-suites.js";
import {describeUserStore} from "./user-store-suite.js";

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-stores-"));
let sqliteFiles = 0;
const sqlite = async (): Promise<HistoryStore> => HistoryStore.open(join(dir, `history-${++sqliteFiles}.db`));

let server: TestPostgres | undefined;
const opened: PgDatabase[] = [];
let databases = 0;
async function freshDatabase(): Promise<PgDatabase> {
  const db = await PgDatabase.open({url: await server!.createDatabase(`store_${++databases}`), poolSize: 4});
  opened.push(db);
  return db;
}

beforeAll(async () => {
  if (postgresUnavailable == null) server = await startPostgres();
});
afterAll(async () => {
  for (const db of opened) await db.close();
  await server?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describeChatStore("SQLite", sqlite);
describeSessionStore("SQLite", sqlite);
describeThrottleStore("memory", async () => new MemoryThrottleStore());
describeUserStore("memory", async () => new MemoryUserStore());

describe.skipIf(postgresUnavailable != null)("PostgreSQL", () => {
  describeChatStore("PostgreSQL", async () => PgHistoryStore.open(await freshDatabase()));
  describeSessionStore("PostgreSQL", async () => PgHistoryStore.open(await freshDatabase()));
  describeThrottleStore("PostgreSQL", async () => new PgThrottleStore(await freshDatabase()));
  describeUserStore("PostgreSQL", async () => new PgUserStore(await freshDatabase()));

  it("writes a key's last use once a minute over all replicas, not once per replica", async () => {
    const db = await freshDatabase();
    const [onA, onB] = [new PgUserStore(db), new PgUserStore(db)];
    const [key] = loadApiKeys({env: "sk-replica-0123456789"});
    await onA.seed({apiKeys: [key!], now: 0});
    await onA.keyUsed((await onA.matchApiKey("sk-replica-0123456789"))!, 1000);
    // B holds the key as read before A's write (never used), so it tries to write; the UPDATE's condition refuses.
    await onB.keyUsed({...(await onB.apiKey(key!.identity))!, lastUsedAt: undefined}, 30_000);
    expect((await onB.apiKey(key!.identity))!.lastUsedAt).toBe(1000);
    await onB.keyUsed((await onB.matchApiKey("sk-replica-0123456789"))!, 61_000);
    expect((await onA.apiKey(key!.identity))!.lastUsedAt).toBe(61_000);
  });

  it("migrates once when several processes open a new database at the same moment", async () => {
    const url = await server!.createDatabase("race");
    const all = await Promise.all(Array.from({length: 4}, () => PgDatabase.open({url, poolSize: 2})));
    opened.push(...all);
    const {rows} = await all[0]!.query<{version: number}>("SELECT version FROM schema_migrations ORDER BY version");
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((step) => step.version));
    expect(new Set(all.map((db) => db.replicaId)).size).toBe(4);
  });

  it("refuses a database migrated by a newer version", async () => {
    const url = await server!.createDatabase("newer");
    opened.push(await PgDatabase.open({url}));
    const error = await PgDatabase.open({url, migrations: MIGRATIONS.slice(0, 1)}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect((error as SchemaVersionError).found).toBe(MIGRATIONS.length);
    expect((error as Error).message).toBe(`the database's schema is version ${MIGRATIONS.length}; this h2ogpt-ts knows up to version 1 (upgrade every replica)`);
  });

  it("marks an answer interrupted once the replica streaming it is gone, and not before", async () => {
    const url = await server!.createDatabase("replicas");
    const a = await PgDatabase.open({url});
    const b = await PgDatabase.open({url});
    opened.push(b);
    const onA = await PgHistoryStore.open(a);
    const onB = await PgHistoryStore.open(b);
    const chat = await onA.createChat("alice", {models: ["m"]});
    await onA.appendUserMessage("alice", chat.id, "hello");
    const answer = (await onA.startAnswer("alice", chat.id, 1, "m"))!;
    await onA.saveAnswer(answer, "Hel", "streaming");
    const statusOnB = async (): Promise<[string, string]> => {
      const message = (await onB.getChat("alice", chat.id))!.messages[1]!;
      return [message.content, message.status];
    };
    expect(await statusOnB()).toEqual(["Hel", "streaming"]);
    // Replica A's connections end as they do when its process is killed.
    await a.close();
    expect(await statusOnB()).toEqual(["Hel", "interrupted"]);
  });
});
