import {chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {loadAuthFile} from "./auth-file.js";
import {hashPassword, isPasswordHash, verifyPassword} from "./password-hash.js";

describe("password hashes", () => {
  it("verify the right password only, with a fresh salt each time", async () => {
    const [a, b] = await Promise.all([hashPassword("correct horse"), hashPassword("correct horse")]);
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horsf", a)).toBe(false);
    expect(await verifyPassword("x", "plain-text")).toBe(false);
    expect(isPasswordHash("scrypt$3$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")).toBe(false);
  });
});

describe("loadAuthFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-auth-"));

  it("hashes h2oGPT's plain auth.json entries in place, keeping other fields and the file mode", async () => {
    const file = join(dir, "auth.json");
    writeFileSync(file, JSON.stringify({alice: {password: "wonderland", userid: "u-1"}, bob: "builder"}));
    chmodSync(file, 0o600);
    const loaded = await loadAuthFile(file);
    expect([...loaded.hashedOnLoad].sort()).toEqual(["alice", "bob"]);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("wonderland");
    expect(text).not.toContain("builder");
    const saved = JSON.parse(text);
    expect(saved.alice.userid).toBe("u-1");
    expect(saved.alice.password).toBeUndefined();
    expect(await verifyPassword("wonderland", saved.alice.password_hash)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);

    const again = await loadAuthFile(file);
    expect(again.hashedOnLoad).toEqual([]);
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(await verifyPassword("builder", again.users.get("bob")!.passwordHash)).toBe(true);
  });

  it("reads admins (\"admin\": true) and keeps the flag when it rewrites the file", async () => {
    const file = join(dir, "admins.json");
    writeFileSync(file, JSON.stringify({root: {password: "pw-root", admin: true}, joe: {password: "pw-joe"}, ann: {password: "pw-ann", admin: false}}));
    const loaded = await loadAuthFile(file);
    expect([...loaded.users.values()].map((u) => [u.username, u.admin])).toEqual([["root", true], ["joe", false], ["ann", false]]);
    expect(JSON.parse(readFileSync(file, "utf8")).root.admin).toBe(true);
    expect((await loadAuthFile(file)).users.get("root")!.admin).toBe(true);
  });

  it("accepts h2oGPT's list form and rewrites it as an object", async () => {
    const file = join(dir, "pairs.json");
    writeFileSync(file, JSON.stringify([["carol", "pw-carol"]]));
    const loaded = await loadAuthFile(file);
    expect([...loaded.users.keys()]).toEqual(["carol"]);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")))).toEqual(["carol"]);
  });

  it("names the file and the user on bad input, and leaves the file untouched", async () => {
    const cases: [string, RegExp][] = [
      ["{not json", /not valid JSON/],
      ["{}", /lists no users/],
      ['{"dave": {"password": 5}}', /user "dave": "password" must be a non-empty string/],
      ['{"erin": {"password_hash": "nope"}}', /user "erin": needs "password" or a valid "password_hash"/],
      ['[["frank"]]', /entry 1: expected \["username", "password"\]/],
      ['"x"', /expected a JSON object/],
      ['{"gina": {"password": "pw", "admin": "yes"}}', /user "gina": "admin" must be true or false/]
    ];
    for (const [content, message] of cases) {
      const file = join(dir, "bad.json");
      writeFileSync(file, content);
      await expect(loadAuthFile(file)).rejects.toThrow(message);
      await expect(loadAuthFile(file)).rejects.toThrow(file);
      expect(readFileSync(file, "utf8")).toBe(content);
    }
    await expect(loadAuthFile(join(dir, "none.json"))).rejects.toThrow("cannot read the auth file (ENOENT)");
  });

  it("never echoes a credentials file's text in its errors (an API key file given as --auth, say)", async () => {
    const file = join(dir, "keys-by-mistake.txt");
    const secret = "sk-live-5f3c9a1b7e2d4c6a8b0e";
    for (const [content, where] of [
      [`${secret}\n`, "line 1, column 1: expected a value"],
      [`{\n  "alice": ${secret}\n}`, "line 2, column 12: expected a value"],
      [`{"alice": "${secret}"} ${secret}`, "line 1, column 43: unexpected text after the JSON value"],
      [`{"alice": "${secret}`, "line 1, column 11: unterminated string or bad escape"]
    ] as const) {
      writeFileSync(file, content);
      const error = await loadAuthFile(file).then(
        () => undefined,
        (e: Error) => e
      );
      expect(error?.message).toBe(`${file}: not valid JSON: ${where}`);
      expect(error?.message).not.toContain("sk-live");
    }
  });
});
