import {describe, expect, it} from "vitest";
import {UsageError} from "../errors/index.js";
import {redactDbUrl, resolveDbUrl} from "./db-url.js";

describe("resolveDbUrl", () => {
  it("takes the flag over the environment, and nothing when both are empty", () => {
    expect(resolveDbUrl({flag: "postgres://a@db/x", env: "postgres://b@db/y"})).toBe("postgres://a@db/x");
    expect(resolveDbUrl({env: "postgresql://b@db/y"})).toBe("postgresql://b@db/y");
    expect(resolveDbUrl({env: "  "})).toBeUndefined();
    expect(resolveDbUrl({})).toBeUndefined();
  });

  it("refuses other schemes and non-URLs with one line naming the source", () => {
    expect(() => resolveDbUrl({flag: "sqlite:///tmp/x.db"})).toThrow(new UsageError("--db_url: expected a postgres:// URL, got sqlite:// (SQLite is the default without --db_url)"));
    expect(() => resolveDbUrl({env: "db.example:5432"})).toThrow(new UsageError("H2OGPT_DB_URL: expected a postgres:// URL, got db.example:// (SQLite is the default without --db_url)"));
    expect(() => resolveDbUrl({env: "not a url"})).toThrow(new UsageError("H2OGPT_DB_URL: not a URL (expected postgres://user:password@host:5432/database)"));
  });
});

describe("redactDbUrl", () => {
  it("hides the password and keeps the rest", () => {
    expect(redactDbUrl("postgres://h2ogpt:s3cret@db.internal:5432/h2ogpt?sslmode=require")).toBe("postgres://h2ogpt:***@db.internal:5432/h2ogpt?sslmode=require");
    expect(redactDbUrl("postgres://h2ogpt@db/h2ogpt")).toBe("postgres://h2ogpt@db/h2ogpt");
    expect(redactDbUrl("::")).toBe("(unparsable database URL)");
  });
});
