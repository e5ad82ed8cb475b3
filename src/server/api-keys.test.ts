import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {bearerToken, loadApiKeys, matchApiKey} from "./api-keys.js";

describe("API keys", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-keys-"));

  it("reads one key per line (comments and blanks skipped) plus H2OGPT_API_KEYS, each with its own identity", () => {
    const file = join(dir, "keys.txt");
    writeFileSync(file, "# team keys\nsk-alpha-123456\n\n  sk-beta-1234567  \r\n");
    const keys = loadApiKeys({file, env: "sk-gamma-12345, sk-alpha-123456"});
    expect(keys).toHaveLength(3);
    expect(new Set(keys.map((k) => k.identity)).size).toBe(3);
    expect(matchApiKey(keys, "sk-beta-1234567")?.identity).toBe(keys[1]!.identity);
    expect(matchApiKey(keys, "sk-gamma-12345")).toBeDefined();
    expect(matchApiKey(keys, "sk-beta-123456")).toBeUndefined();
    expect(keys[0]!.identity).toMatch(/^key-[0-9a-f]{12}$/);
    expect(JSON.stringify(keys[0]!.identity)).not.toContain("alpha");
  });

  it("names the file and line of a bad key, and rejects an empty file", () => {
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "sk-good-123456\nshort\n");
    expect(() => loadApiKeys({file: bad})).toThrow(`${bad}: line 2: a key must be at least 8 characters`);
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "# nothing\n");
    expect(() => loadApiKeys({file: empty})).toThrow("holds no keys");
    expect(() => loadApiKeys({file: join(dir, "missing.txt")})).toThrow(/missing\.txt: cannot read the API key file \(ENOENT\)/);
    expect(() => loadApiKeys({env: "tiny"})).toThrow("H2OGPT_API_KEYS");
  });

  it("parses Bearer headers", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer   abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
