import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {pathToFileURL} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {writeRandomLlamaGguf} from "../../src/gguf/index.js";
import {projectRoot} from "../support/shared.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-interrupt-"));
  await writeRandomLlamaGguf({path: join(dir, "base.gguf"), nEmbd: 32, nLayer: 1, nHead: 2, nFf: 64, contextLength: 64, seed: 2});
  const rows = Array.from({length: 8}, (_, r) => {
    const ids = Array.from({length: 12}, (_, t) => 10 + ((r + t) % 30));
    return JSON.stringify({input_ids: ids, labels: ids});
  });
  await writeFile(join(dir, "rows.jsonl"), rows.join("\n") + "\n");
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("h2ogpt finetune and Ctrl-C", () => {
  it("saves a checkpoint and exits with 130", async () => {
    const args = ["finetune", "--base_model=base.gguf", "--data_path=rows.jsonl", "--output_dir=out", "--num_epochs=1000", "--micro_batch_size=4", "--batch_size=4"];
    // --import resolves from the cwd, which is a temporary folder here: name tsx's loader by its URL.
    const tsx = pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const child = spawn(process.execPath, ["--import", tsx, join(projectRoot, "test/train/cli-entry.ts"), ...args], {cwd: dir, stdio: ["ignore", "pipe", "pipe"]});
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (/finetune\s+\d+\/\d+/.test(stderr)) resolve();
      });
      child.on("exit", () => reject(new Error(`finetune ended before training: ${stderr}`)));
    });
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const line = stderr.trim().split("\n").at(-1)!;
    expect(line).toMatch(/^h2ogpt finetune: interrupted: saved .*checkpoint-\d+; continue with --resume_from_checkpoint=/);
    const checkpoint = /saved (\S+);/.exec(line)![1]!;
    expect(existsSync(join(checkpoint, "trainer_state.json"))).toBe(true);
    expect(existsSync(join(dir, "out", "adapter.gguf"))).toBe(false);
  });
});
