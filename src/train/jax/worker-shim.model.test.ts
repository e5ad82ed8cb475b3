import {execFile} from "node:child_process";
import {join} from "node:path";
import {promisify} from "node:util";
import {describe, expect, it} from "vitest";
import {projectRoot} from "../../../test/support/shared.js";

const run = promisify(execFile);

async function losses(threads: number): Promise<{threads: number; messages: number; losses: number[]; checksum: number}> {
  const {stdout} = await run(process.execPath, ["--import", "tsx", join(projectRoot, "test/train/thread-losses.ts"), String(threads)], {
    cwd: projectRoot,
    timeout: 120_000
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("the worker_threads shim for jax-js", () => {
  it("runs kernels on 2 threads with the same losses and gradients as 1 thread", async () => {
    const [single, threaded] = await Promise.all([losses(1), losses(2)]);
    expect(single.threads).toBe(1);
    expect(threaded.threads).toBe(2);
    expect(single.messages).toBe(0);
    expect(threaded.messages).toBeGreaterThan(100);
    expect(single.losses[2]).toBeLessThan(single.losses[0]!);
    for (let i = 0; i < 3; i++) expect(Math.abs(threaded.losses[i]! - single.losses[i]!)).toBeLessThan(1e-5);
    expect(Math.abs(threaded.checksum - single.checksum)).toBeLessThan(1e-4 * Math.max(1, Math.abs(single.checksum)));
  });
});
