import {mkdtempSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {main} from "./main.js";

describe("h2ogpt serve (bad input)", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-serve-cli-"));

  it("refuses a public bind without auth or keys in one line, before loading any model", async () => {
    const io = memoryIo();
    // The model path does not exist: getting the bind error proves the check runs before any loading.
    expect(await main(["serve", "--base_model=/nonexistent/model.gguf", "--host=0.0.0.0"], io)).toBe(2);
    expect(io.err()).toMatch(/^h2ogpt serve: refusing to listen on 0\.0\.0\.0 without --auth or API keys[^\n]*--allow_insecure_public[^\n]*\n$/);
  });

  it("names what is wrong: a missing model, a bad number, a stray argument", async () => {
    const cases: [string[], RegExp][] = [
      [["serve", "--base_model=/nonexistent/model.gguf"], /\/nonexistent\/model\.gguf/],
      [["serve", "--base_model=x.gguf", "--concurrency=0"], /--concurrency: expected a positive integer, got 0/],
      [["serve", "extra"], /unexpected argument 'extra'/],
      [["serve", "--port=abc"], /--port: expected a number, got 'abc'/],
      [["serve", "--truncation=right", "--base_model=x.gguf"], /--truncation: expected error or left, got 'right'/],
      [["serve", "--base_model=x.gguf", "--auth=a.json", "--prune_users"], /^h2ogpt serve: --prune_users needs --db_url \(without it the files are the whole list already\)$/m],
      [["serve", "--base_model=x.gguf", "--db_url=postgres://h2ogpt@db/h2ogpt", "--prune_users"], /^h2ogpt serve: --prune_users needs --auth or --api_keys: it removes what they do not list$/m]
    ];
    for (const [argv, message] of cases) {
      const io = memoryIo({cwd: dir});
      expect(await main(argv, io), argv.join(" ")).toBe(2);
      expect(io.err()).toMatch(message);
      expect(io.err().trim().split("\n")).toHaveLength(1);
    }
  });
});
