import {existsSync, mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {main} from "./main.js";

describe("h2ogpt serve refuses bad settings at startup, in one line with exit 2, before loading any model", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-serve-startup-"));
  const aFile = join(dir, "a-file");
  writeFileSync(aFile, "not a folder");

  async function refused(flag: string, message: RegExp): Promise<void> {
    const io = memoryIo({cwd: dir});
    // The model does not exist: getting this flag's error proves it is checked before any loading.
    expect(await main(["serve", "--base_model=/nonexistent/model.gguf", flag], io), flag).toBe(2);
    expect(io.err(), flag).toMatch(message);
    expect(io.err().trim().split("\n"), flag).toHaveLength(1);
  }

  it("checks every numeric flag: counts are integers, at least 0 or 1 as each needs", async () => {
    await refused("--max_queue=-1", /^h2ogpt serve: --max_queue: expected a non-negative integer, got -1\n$/);
    await refused("--max_queue=1.5", /--max_queue: expected a non-negative integer, got 1\.5/);
    await refused("--max_body_bytes=0", /--max_body_bytes: expected a positive integer, got 0/);
    await refused("--max_max_new_tokens=2.5", /--max_max_new_tokens: expected a positive integer, got 2\.5/);
    await refused("--port=70000", /--port: expected an integer from 0 to 65535, got 70000/);
    await refused("--temperature=-1", /temperature: expected a number from 0 to 100, got -1/);
    await refused("--top_p=2", /topP: expected a number from 0 to 1, got 2/);
  });

  it("checks --prompt_type", async () => {
    await refused("--prompt_type=foo", /^h2ogpt serve: unknown prompt_type "foo" \(see h2ogpt prompt-types\)\n$/);
  });

  it("checks the --history_db folder: under a file, or one that cannot be created", async () => {
    await refused(`--history_db=${join(aFile, "x.db")}`, /cannot create the history database's folder \([^)]*a-file is not a folder\)/);
    await refused(`--history_db=${join(aFile, "sub", "x.db")}`, /a-file is not a folder/);
    // Node's recursive mkdir never returns for this path; the folders are made one at a time instead.
    if (existsSync("/proc/self")) await refused("--history_db=/proc/nonexistent/x.db", /\/proc\/nonexistent\/x\.db: cannot create the history database's folder \(ENOENT/);
  });
});
