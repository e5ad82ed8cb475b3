import {execFileSync} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, beforeEach, describe, expect, it} from "vitest";
import {startHubStub, type HubStub} from "../../test/support/hf-hub-stub.js";
import {memoryIo} from "../../test/support/memory-io.js";
import {runMain} from "../../test/support/run-main.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";
import {main} from "./main.js";

let dir: string;
let tiny: string;
let stub: HubStub;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-remote-model-"));
  tiny = (await writeRandomLlamaGguf({path: join(dir, "tiny-F16.gguf"), nEmbd: 64, nLayer: 2, nHead: 4, nFf: 128, contextLength: 256, name: "tiny"})).path;
  stub = await startHubStub({"test/tiny-GGUF": {files: {"tiny-F16.gguf": tiny, "tiny-Q8_0.gguf": tiny}}});
  env = {HF_ENDPOINT: stub.url};
});
afterAll(async () => {
  await stub?.close();
  await rm(dir, {recursive: true, force: true});
});
beforeEach(() => {
  stub.requests.length = 0;
  stub.cutNext(0);
});

const digest = async (path: string): Promise<string> => createHash("sha256").update(await readFile(path)).digest("hex");
const generate = (cache: string, ...extra: string[]) =>
  runMain(["generate", "--base_model=hf:test/tiny-GGUF:F16", `--models_dir=${cache}`, "--max_seq_len=256", "--instruction=Hi", "--max_new_tokens=4", "--json", ...extra], {cwd: dir, env, stdin: ""});

describe("h2ogpt generate --base_model=hf:OWNER/REPO:QUANT against a local hub", () => {
  it("downloads, caches and answers; a second run makes no request; offline with the warm cache works", async () => {
    const cache = join(dir, "warm");
    const first = await generate(cache);
    expect(first.err).toContain(`--base_model=hf:test/tiny-GGUF:F16: downloaded to ${join(cache, "hf_test_tiny.F16.gguf")}`);
    expect(first.err).toMatch(/h2ogpt generate: prompt type: /);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out).completion_tokens).toBeGreaterThan(0);
    expect(await digest(join(cache, "hf_test_tiny.F16.gguf"))).toBe(await digest(tiny));
    expect(stub.requests.length).toBeGreaterThan(0);

    stub.requests.length = 0;
    const second = await generate(cache);
    expect(second.code).toBe(0);
    expect(second.err).toContain("cached at");
    expect(JSON.parse(second.out)).toEqual(JSON.parse(first.out));
    expect(stub.requests).toEqual([]);

    const offline = await generate(cache, "--offline");
    expect(offline.code).toBe(0);
    const offlineByEnv = await runMain(
      ["generate", "--base_model=hf:test/tiny-GGUF:F16", `--models_dir=${cache}`, "--max_seq_len=256", "--instruction=Hi", "--max_new_tokens=4", "--json"],
      {cwd: dir, env: {...env, HF_HUB_OFFLINE: "1"}, stdin: ""}
    );
    expect(offlineByEnv.code).toBe(0);
    expect(stub.requests).toEqual([]);

    // The cache as `h2ogpt models` lists it, then without the removed model.
    const listed = await runMain(["models", `--models_dir=${cache}`, "--json"], {cwd: dir, env});
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({name: "hf_test_tiny.F16.gguf", source: "hf:test/tiny-GGUF:F16", architecture: "llama", context_length: 256, quantization: "F16"})
    ]);
    const table = await runMain(["models", `--models_dir=${cache}`], {cwd: dir, env});
    expect(table.out).toMatch(/^NAME +SIZE +ARCH +CONTEXT +QUANT +PROMPT +SOURCE\nhf_test_tiny\.F16\.gguf +0\.3 MB +llama +256 +F16 +\S+ +hf:test\/tiny-GGUF:F16\n/);
    const missing = await runMain(["models", `--models_dir=${cache}`, "--remove=nothing"], {cwd: dir, env});
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`h2ogpt models: --remove=nothing: not in the models cache ${cache} (it holds: hf_test_tiny.F16.gguf)\n`);
    const removed = await runMain(["models", `--models_dir=${cache}`, "--remove=hf:test/tiny-GGUF:F16"], {cwd: dir, env});
    expect(removed.code).toBe(0);
    expect(existsSync(join(cache, "hf_test_tiny.F16.gguf"))).toBe(false);
    expect(existsSync(join(cache, "hf_test_tiny.F16.gguf.json"))).toBe(false);
    expect(stub.requests).toEqual([]);
  });

  it("resumes a download the server cuts off halfway", async () => {
    const cache = join(dir, "cut");
    stub.cutNext(1);
    const run = await generate(cache);
    expect(run.code).toBe(0);
    expect(await digest(join(cache, "hf_test_tiny.F16.gguf"))).toBe(await digest(tiny));
    expect(stub.requests.filter((request) => request.range != null).length).toBeGreaterThanOrEqual(2);
  });

  it("lists the quantizations there are for a wrong one, on one line with exit 2", async () => {
    const run = await runMain(["generate", "--base_model=hf:test/tiny-GGUF:Q4_K_M", `--models_dir=${join(dir, "wrong")}`, "--instruction=Hi"], {cwd: dir, env, stdin: ""});
    expect(run.code).toBe(2);
    expect(run.err).toBe("h2ogpt generate: hf:test/tiny-GGUF:Q4_K_M: test/tiny-GGUF has no Q4_K_M quantization; available: F16, Q8_0\n");
    expect(existsSync(join(dir, "wrong", "hf_test_tiny.Q4_K_M.gguf"))).toBe(false);
  });

  it("fails offline with an empty cache, exit 2, naming the model, with no request", async () => {
    const cache = join(dir, "empty");
    const run = await generate(cache, "--offline");
    expect(run.code).toBe(2);
    expect(run.err.split("\n").filter(Boolean)).toHaveLength(1);
    expect(run.err).toContain(`hf:test/tiny-GGUF:F16 is not in the models cache ${cache}`);
    const byEnv = await runMain(["generate", "--base_model=hf:test/tiny-GGUF:F16", `--models_dir=${cache}`, "--instruction=Hi"], {cwd: dir, env: {...env, H2OGPT_OFFLINE: "1"}, stdin: ""});
    expect(byEnv.code).toBe(2);
    expect(stub.requests).toEqual([]);
  });
});

describe("h2ogpt serve --base_model=hf:OWNER/REPO:QUANT", () => {
  it("serves the downloaded model and shows its source with its details", async () => {
    const controller = new AbortController();
    const cache = join(dir, "serve-cache");
    const io = memoryIo({cwd: dir, env, signal: controller.signal});
    const running = main(["serve", "--port=0", "--base_model=hf:test/tiny-GGUF:F16", `--models_dir=${cache}`, "--max_seq_len=256", "--history_db=serve.db"], io);
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (url == null && Date.now() < deadline) {
      url = /h2ogpt serve: (http:\/\/\S+) /.exec(io.out())?.[1];
      if (url == null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      expect(url, io.err()).toBeDefined();
      const info = (await (await fetch(`${url}/api/info`)).json()) as {models: {name: string; details: Record<string, unknown>}[]};
      expect(info.models[0]).toMatchObject({name: "hf_test_tiny.F16", details: {source: "hf:test/tiny-GGUF:F16", file: "hf_test_tiny.F16.gguf"}});
    } finally {
      controller.abort();
      expect(await running).toBe(0);
    }
  });
});

describe("a download that does not fit the disk", () => {
  it("fails with one line and leaves nothing under the model's name", async (context) => {
    const small = join(dir, "small-disk");
    await mkdir(small, {recursive: true});
    // A 64 KiB tmpfs stands in for a full disk; mounting needs root (CI runs as root).
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", small], {stdio: "ignore"});
    } catch {
      console.warn("skipping: cannot mount a small tmpfs here (needs root)");
      context.skip();
    }
    try {
      const result = await generate(small);
      expect(result.code).toBe(1);
      expect(result.err.trim().split("\n").at(-1)).toMatch(/^h2ogpt generate: hf:test\/tiny-GGUF:F16: not enough disk space in .*: the download needs [\d.]+ MB, [\d.]+ MB are free$/);
      expect(existsSync(join(small, "hf_test_tiny.F16.gguf"))).toBe(false);
    } finally {
      execFileSync("umount", [small], {stdio: "ignore"});
    }
  });
});
