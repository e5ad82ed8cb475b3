import {createServer, type Server} from "node:net";
import {beforeAll, describe, expect, it} from "vitest";
import {runMain} from "../../test/support/run-main.js";
import {DatabaseError} from "./db-errors.js";
import {PgDatabase} from "./pg-database.js";

// A port nothing listens on: taken, then closed again.
let closedPort: number;
beforeAll(async () => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closedPort = (server.address() as {port: number}).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("PgDatabase.open", () => {
  it("names the server without its password when it cannot connect", async () => {
    const error = await PgDatabase.open({url: `postgres://h2ogpt:s3cret@127.0.0.1:${closedPort}/h2ogpt`}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toBe(`postgres://h2ogpt:***@127.0.0.1:${closedPort}/h2ogpt: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
  });

  it("makes serve fail at once, before loading any model", async () => {
    const {code, out, err} = await runMain(["serve", "--base_model=/nonexistent/model.gguf", `--db_url=postgres://h2ogpt:s3cret@127.0.0.1:${closedPort}/h2ogpt`]);
    expect([code, out, err]).toEqual([1, "", `h2ogpt serve: postgres://h2ogpt:***@127.0.0.1:${closedPort}/h2ogpt: connect ECONNREFUSED 127.0.0.1:${closedPort}\n`]);
  });
});
