import {spawn} from "node:child_process";
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {pathToFileURL} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {projectRoot} from "../../test/support/shared.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-chat-interrupt-"));
  // Random weights rarely pick the end token, so an answer runs to --max_new_tokens: long enough to interrupt.
  await writeRandomLlamaGguf({path: join(dir, "random.gguf"), nEmbd: 256, nLayer: 4, nHead: 4, nFf: 512, contextLength: 4096, seed: 3});
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("h2ogpt generate --cli and Ctrl-C (a real SIGINT)", () => {
  it("the first Ctrl-C stops the answer and the chat goes on; Ctrl-C at the prompt exits with 130", async () => {
    const args = ["generate", "--cli", "--base_model=random.gguf", "--prompt_type=plain", "--max_new_tokens=4000", "--temperature=0"];
    const tsx = pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const child = spawn(process.execPath, ["--import", tsx, join(projectRoot, "test/server/run-cli.ts"), ...args], {cwd: dir, stdio: ["pipe", "pipe", "pipe"]});
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const waitFor = (what: string, seen: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!seen()) return;
          child.stdout.off("data", check);
          child.stderr.off("data", check);
          resolve();
        };
        child.stdout.on("data", check);
        child.stderr.on("data", check);
        void exited.then((code) => reject(new Error(`exited with ${code} before ${what}: ${stderr}`)));
      });
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));

    child.stdin.write("Tell me a long story\n");
    await waitFor("the answer started", () => stdout.length > 0);
    child.kill("SIGINT");
    await waitFor("the answer stopped", () => stderr.includes("(answer stopped)"));
    child.stdin.write("/help\n");
    await waitFor("the help", () => stdout.includes("/clear  forget the conversation"));
    child.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
  });
});
