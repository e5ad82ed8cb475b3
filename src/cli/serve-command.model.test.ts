import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {DEFAULT_MODEL_NOTICE, llamaRuntime, PREBUILT_BINARY_NOTICE} from "../engine/index.js";
import {main} from "./main.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-serve-notice-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("h2ogpt serve with the built-in model", () => {
  it("prints the demonstration model's notice on stderr at start, as generate does", async () => {
    const io = memoryIo({cwd: dir});
    const running = main(["serve", "--port=0", "--history_db=history.db", "--persist_directory=db"], io);
    const started = await new Promise<boolean>((resolve) => {
      io.stdout.on("data", () => {
        if (io.out().includes("h2ogpt serve: http://")) resolve(true);
      });
      void running.then(() => resolve(false));
    });
    io.interrupt();
    expect(await running, io.err()).toBe(0);
    expect(started).toBe(true);
    expect(io.err()).toContain(`note: ${DEFAULT_MODEL_NOTICE}\n`);
    expect(io.err().indexOf("note: ")).toBeLessThan(io.err().indexOf("h2ogpt serve: stopping"));
    // The tests run on whichever binary is installed: the prebuilt one after `npm ci`, the native one after build:native.
    const prebuilt = (await llamaRuntime()).buildType !== "localBuild";
    expect(io.err().includes(`note: ${PREBUILT_BINARY_NOTICE}\n`)).toBe(prebuilt);
  });
});
