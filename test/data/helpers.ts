import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll} from "vitest";

/** A fresh temporary folder, removed after the test file's tests. */
export async function tempDir(prefix = "h2ogpt-data-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, {recursive: true, force: true}));
  return dir;
}

/** Writes `content` to `dir/name` and returns the path. */
export async function fixture(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

export function jsonl(records: readonly unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join("\n") + "\n";
}
