import {spawn, spawnSync, type ChildProcess} from "node:child_process";
import {chownSync, existsSync, mkdtempSync, rmSync} from "node:fs";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import pg from "pg";
import {inCi} from "./shared.js";

/**
 * A throwaway PostgreSQL 15 server for one test file: a fresh data directory under the temp folder, listening on
 * 127.0.0.1 on a free port, with its socket in that directory. initdb and postgres refuse to run as root, so as
 * root (here and in CI) both run as `nobody` through setpriv (which execs, so the pid is the server's own).
 */

const BIN = "/usr/lib/postgresql/15/bin";

/** Why PostgreSQL cannot be started here, or undefined when it can; in CI a missing server throws instead. */
export const postgresUnavailable: string | undefined = (() => {
  if (existsSync(join(BIN, "postgres")) && existsSync(join(BIN, "initdb"))) return undefined;
  const reason = `PostgreSQL 15 is not installed (${BIN}/postgres is missing; apt-get install postgresql)`;
  if (inCi) throw new Error(`${reason}, but CI must have it`);
  console.warn(`skipping: ${reason}`);
  return reason;
})();

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  /** A URL of a new, empty database on this server. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const NOBODY = 65534;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ["setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", command, ...args]];
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    const client = new pg.Client({connectionString: url});
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${(error as Error).message}: ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Creates a data directory and starts a server on it; `stop()` shuts it down and removes the directory. */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-pg-"));
  if (process.getuid?.() === 0) chownSync(dir, NOBODY, NOBODY);
  const data = join(dir, "data");
  const [initCommand, initArgs] = asServerUser(join(BIN, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const init = spawnSync(initCommand, initArgs, {cwd: dir, encoding: "utf8"});
  if (init.status !== 0) {
    rmSync(dir, {recursive: true, force: true});
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  // fsync off: a test server's data need not survive a power cut, and it keeps the tests fast.
  const [command, args] = asServerUser(join(BIN, "postgres"), ["-D", data, "-k", dir, "-p", String(port), "-h", "127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"]);
  const child = spawn(command, args, {cwd: dir, stdio: ["ignore", "ignore", "pipe"]});
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitReady(url, child, () => stderr);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    rmSync(dir, {recursive: true, force: true});
    throw error;
  }
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({connectionString: url});
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async stop() {
      // SIGINT: fast shutdown (ends open connections, no waiting for clients).
      if (child.exitCode == null) child.kill("SIGINT");
      await exited;
      rmSync(dir, {recursive: true, force: true});
    }
  };
}
