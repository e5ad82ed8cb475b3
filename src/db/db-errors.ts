import {H2oGptError, UsageError} from "../errors/index.js";

/** The database cannot be reached or refused a statement; the message names the server (never the password). */
export class DatabaseError extends H2oGptError {}

/** A database whose schema is newer than this h2ogpt-ts knows (a newer replica migrated it). */
export class SchemaVersionError extends UsageError {
  constructor(
    readonly found: number,
    readonly known: number
  ) {
    super(`the database's schema is version ${found}; this h2ogpt-ts knows up to version ${known} (upgrade every replica)`);
  }
}

/** A collection with vectors opened on a PostgreSQL server without the pgvector extension. */
export class PgvectorMissingError extends UsageError {}
