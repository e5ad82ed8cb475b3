import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import type {H2oGptError} from "../errors/index.js";
import {bearerToken, loadApiKeys, matchApiKey} from "./api-keys.js";

describe("API keys", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-keys-"));

  it("reads one key per line (comments and blanks skipped) plus H2OGPT_API_KEYS, each with its own identity", () => {
    const file = join(dir, "keys.txt");
    writeFileSync(file, "# team keys\nsk-alpha-0123456789\n\n  sk-beta-01234567890  \r\n");
    const keys = loadApiKeys({file, env: "sk-gamma-012345678, sk-alpha-0123456789"});
    expect(keys).toHaveLength(3);
    expect(new Set(keys.map((k) => k.identity)).size).toBe(3);
    expect(matchApiKey(keys, "sk-beta-01234567890")?.identity).toBe(keys[1]!.identity);
    expect(matchApiKey(keys, "sk-gamma-012345678")).toBeDefined();
    expect(matchApiKey(keys, "sk-beta-0123456789")).toBeUndefined();
    expect(keys[0]!.identity).toMatch(/^key-[0-9a-f]{12}$/);
    expect(JSON.stringify(keys[0]!.identity)).not.toContain("alpha");
  });

  it("names the file and line of a bad key, and rejects an empty file", () => {
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "sk-good-0123456789\nshort\n");
    expect(() => loadApiKeys({file: bad})).toThrow(`${bad}: line 2: a key must be at least 16 characters`);
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "# nothing\n");
    expect(() => loadApiKeys({file: empty})).toThrow("holds no keys");
    expect(() => loadApiKeys({file: join(dir, "missing.txt")})).toThrow(/missing\.txt: cannot read the API key file \(ENOENT\)/);
    expect(() => loadApiKeys({env: "tiny"})).toThrow("H2OGPT_API_KEYS");
  });

  it("refuses keys shorter than 16 characters at startup (exit 2) without printing them", () => {
    const file = join(dir, "short.txt");
    writeFileSync(file, "sk-fifteen-char\n");
    const fromFile = (() => {
      try {
        loadApiKeys({file});
      } catch (error) {
        return error as H2oGptError;
      }
    })();
    expect(fromFile?.message).toBe(`${file}: line 1: a key must be at least 16 characters without spaces`);
    expect(fromFile?.exitCode).toBe(2);
    expect(() => loadApiKeys({env: "sk-long-enough-key-1, sk-fifteen-char"})).toThrow(/^H2OGPT_API_KEYS: key 2: a key must be at least 16 characters without spaces$/);
    expect(loadApiKeys({env: "sk-sixteen-chars"})).toHaveLength(1);
  });

  it("parses Bearer headers", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer   abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
