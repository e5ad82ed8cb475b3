import {UsageError} from "../errors/index.js";

/**
 * `--db_url` / H2OGPT_DB_URL: the PostgreSQL server shared by every replica. The flag wins over the variable; an
 * empty value means none (SQLite files, the default). Only postgres:// and postgresql:// URLs are accepted.
 *
 * @example
 * resolveDbUrl({flag: undefined, env: "postgres://h2ogpt@db:5432/h2ogpt"}); // "postgres://h2ogpt@db:5432/h2ogpt"
 */
export function resolveDbUrl(options: {flag?: string; env?: string}): string | undefined {
  const value = (options.flag ?? options.env ?? "").trim();
  if (value === "") return undefined;
  const source = options.flag != null ? "--db_url" : "H2OGPT_DB_URL";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source}: not a URL (expected postgres://user:password@host:5432/database)`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:")
    throw new UsageError(`${source}: expected a postgres:// URL, got ${url.protocol}// (SQLite is the default without --db_url)`);
  return value;
}

/**
 * The URL with its password replaced by `***`, for messages and logs.
 *
 * @example
 * redactDbUrl("postgres://u:secret@db/h2ogpt"); // "postgres://u:***@db/h2ogpt"
 */
export function redactDbUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return "(unparsable database URL)";
  }
}
