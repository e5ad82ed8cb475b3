import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {main} from "./main.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-serve-user-path-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function poll<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("h2ogpt serve --user_path", () => {
  it("ingests the folder into UserData at start, serves it, and re-syncs on demand", async () => {
    const docs = join(dir, "docs");
    await mkdir(docs);
    await writeFile(join(docs, "faq.md"), "# FAQ\n\nThe office wifi password changes every Monday.\n");
    const controller = new AbortController();
    const io = memoryIo({cwd: dir, signal: controller.signal});
    const running = main(["serve", "--port=0", "--user_path=docs", "--history_db=history.db"], io);
    const url = await poll(async () => /h2ogpt serve: (http:\/\/\S+) /.exec(io.out())?.[1], "the server's address");
    try {
      const documents = await poll(async () => {
        const body = (await (await fetch(`${url}/api/collections/UserData/documents`)).json()) as {documents: {source: string}[]};
        return body.documents.length > 0 ? body.documents : undefined;
      }, "UserData to fill");
      expect(documents.map((document) => document.source)).toEqual([join(docs, "faq.md")]);
      expect(io.err()).toContain(`h2ogpt serve: ingesting ${docs} into UserData`);

      await writeFile(join(docs, "new.txt"), "Parking passes are renewed in January.");
      await rm(join(docs, "faq.md"));
      const sync = await fetch(`${url}/api/collections/UserData/sync`, {method: "POST", headers: {"content-type": "application/json"}, body: "{}"});
      expect(sync.status).toBe(200);
      expect(await sync.json()).toMatchObject({added: 1, removed: 1, failed: 0});
      const found = await fetch(`${url}/api/collections/UserData/retrieve`, {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify({query: "when are parking passes renewed"})
      });
      expect(((await found.json()) as {sources: {source: string}[]}).sources.map((hit) => hit.source)).toEqual([join(docs, "new.txt")]);
    } finally {
      controller.abort();
      expect(await running).toBe(0);
    }
  });

  it("refuses a --user_path that is not a folder before loading a model", async () => {
    const io = memoryIo({cwd: dir});
    expect(await main(["serve", "--port=0", "--user_path=nowhere"], io)).toBe(2);
    expect(io.err()).toBe("h2ogpt serve: --user_path=nowhere: no such folder\n");
  });
});
