import {randomInt} from "node:crypto";
import pg from "pg";
import {DatabaseError, SchemaVersionError} from "./db-errors.js";
import {redactDbUrl} from "./db-url.js";
import {MIGRATIONS, type Migration} from "./migrations.js";

/** Advisory lock keys (first of the two-int form): one for migrating, one namespace for live replicas. */
const MIGRATION_LOCK = 0x68326f01;
const REPLICA_LOCK_CLASS = 0x68326f02;

export interface PgDatabaseOptions {
  /** A postgres:// URL (see resolveDbUrl). */
  readonly url: string;
  /** Connections in the pool; a server sizes it from --concurrency. Default 10. */
  readonly poolSize?: number;
  /** The schema steps; tests pass a shorter list. Default: every step this version knows. */
  readonly migrations?: readonly Migration[];
}

/** What runs a statement: the database (any pooled connection) or one connection inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * One process's connection to the shared PostgreSQL database: a pool, the schema brought up to date at open under
 * an advisory lock (replicas starting together migrate once, the others wait), and a liveness lock held for the
 * process's life on a connection of its own. When a replica dies (even by kill -9) the server ends that
 * connection and drops its lock, so the others can tell its half-streamed answers from live ones without timers.
 *
 * @example
 * const db = await PgDatabase.open({url: "postgres://h2ogpt@db/h2ogpt", poolSize: 8});
 * await db.transaction(async (client) => client.query("DELETE FROM sessions WHERE expires_at <= $1", [Date.now()]));
 * await db.close();
 */
export class PgDatabase {
  private closed = false;

  private constructor(
    readonly url: string,
    private readonly pool: pg.Pool,
    private readonly liveness: pg.Client,
    /** This process's replica number: rows it is still writing (streaming answers) carry it. */
    readonly replicaId: number
  ) {}

  static async open(options: PgDatabaseOptions): Promise<PgDatabase> {
    const where = redactDbUrl(options.url);
    const pool = new pg.Pool({connectionString: options.url, max: Math.max(2, options.poolSize ?? 10), connectionTimeoutMillis: 10_000});
    // An idle connection the server ends (a restart, a kill) must not crash the process; the next query reconnects.
    pool.on("error", () => undefined);
    const liveness = new pg.Client({connectionString: options.url, connectionTimeoutMillis: 10_000});
    liveness.on("error", () => undefined);
    try {
      await migrate(pool, options.migrations ?? MIGRATIONS);
      await liveness.connect();
      let replicaId: number;
      for (;;) {
        replicaId = randomInt(1, 2 ** 31 - 1);
        const {rows} = await liveness.query<{ok: boolean}>("SELECT pg_try_advisory_lock($1, $2) AS ok", [REPLICA_LOCK_CLASS, replicaId]);
        if (rows[0]!.ok) break;
      }
      return new PgDatabase(options.url, pool, liveness, replicaId);
    } catch (error) {
      await liveness.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      if (error instanceof SchemaVersionError) throw error;
      throw new DatabaseError(`${where}: ${(error as Error).message}`, {cause: error});
    }
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, params);
  }

  /** Runs `work` in one transaction on one connection: committed whole, or rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * A SQL condition, true when the replica numbered by the expression `column` is still running (holds its
   * liveness lock on this database).
   */
  static replicaAlive(column: string): string {
    return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${REPLICA_LOCK_CLASS}
      AND l.objsubid = 2 AND l.objid = (${column})::oid AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;
  }

  /** Whether the server has the extension available (installed in this database or installable). */
  async hasExtension(name: string): Promise<boolean> {
    const {rows} = await this.query("SELECT 1 FROM pg_available_extensions WHERE name = $1", [name]);
    return rows.length > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.liveness.end().catch(() => undefined);
    await this.pool.end();
  }
}

/**
 * Applies the steps the database lacks, each in the same transaction as its `schema_migrations` row, all under
 * a transaction-level advisory lock: a second replica waits, then finds nothing left to do.
 */
async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    const {rows} = await client.query<{version: number | null}>("SELECT max(version) AS version FROM schema_migrations");
    const current = rows[0]!.version ?? 0;
    const known = migrations.reduce((max, step) => Math.max(max, step.version), 0);
    if (current > known) throw new SchemaVersionError(current, known);
    for (const step of migrations) {
      if (step.version <= current) continue;
      await client.query(step.sql);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [step.version, step.name, Date.now()]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
