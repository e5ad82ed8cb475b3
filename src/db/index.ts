/**
 * The shared PostgreSQL database several `h2ogpt serve` replicas use (`--db_url` / H2OGPT_DB_URL): the URL, the
 * pool with its schema migrations, and the errors. The stores built on it live with their stages (server, docs).
 *
 * @example
 * const url = resolveDbUrl({flag: flags.db_url, env: process.env.H2OGPT_DB_URL});
 * const db = url == null ? undefined : await PgDatabase.open({url, poolSize: 8});
 */
export {DatabaseError, PgvectorMissingError, SchemaVersionError} from "./db-errors.js";
export {redactDbUrl, resolveDbUrl} from "./db-url.js";
export {MIGRATIONS, type Migration} from "./migrations.js";
export {PgDatabase, type PgDatabaseOptions, type Queryable} from "./pg-database.js";
