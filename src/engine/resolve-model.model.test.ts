import {createHash} from "node:crypto";
import {existsSync} from "node:fs";
import {mkdtemp, readdir, readFile, rm, stat, truncate} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, beforeEach, describe, expect, it} from "vitest";
import {startHubStub, type HubStub} from "../../test/support/hf-hub-stub.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";
import {ModelDownloadError, ModelNotFoundError} from "./engine-errors.js";
import {isOfflineMode, isRemoteModel, modelsDirectory, parseHfModel, quantizationsOf, resolveModel} from "./resolve-model.js";

let dir: string;
let tiny: string;
let big: string;
let stub: HubStub;
let cache: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-resolve-model-"));
  tiny = (await writeRandomLlamaGguf({path: join(dir, "tiny-F16.gguf"), nEmbd: 64, nLayer: 2, nHead: 4, nFf: 128, contextLength: 256})).path;
  // More than two of ipull's 5 MB chunks, so a partial download keeps whole chunks to resume from.
  big = (await writeRandomLlamaGguf({path: join(dir, "big-F16.gguf"), nEmbd: 512, nLayer: 2, nHead: 8, nFf: 1408, contextLength: 256})).path;
  stub = await startHubStub({
    "test/tiny-GGUF": {files: {"tiny-F16.gguf": tiny, "tiny-Q8_0.gguf": tiny, "README.md": tiny}},
    "test/big-GGUF": {files: {"big-F16.gguf": big}},
    "test/gated-GGUF": {files: {"gated-F16.gguf": tiny}, token: "secret"}
  });
  env = {HF_ENDPOINT: stub.url};
});
afterAll(async () => {
  await stub?.close();
  await rm(dir, {recursive: true, force: true});
});
beforeEach(async () => {
  cache = await mkdtemp(join(dir, "cache-"));
  stub.requests.length = 0;
  stub.cutNext(0);
  stub.stallFrom(undefined);
});

const digest = async (path: string): Promise<string> => createHash("sha256").update(await readFile(path)).digest("hex");

const failure = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
};

describe("resolveModel", () => {
  it("tells remote models from paths and reads the cache, offline and endpoint settings", () => {
    expect(isRemoteModel("hf:a/b:Q4_K_M")).toBe(true);
    expect(isRemoteModel("https://example.com/m.gguf")).toBe(true);
    expect(isRemoteModel("models/m.gguf")).toBe(false);
    expect(parseHfModel("hf:a/b-GGUF:q8_0")).toEqual({owner: "a", repo: "b-GGUF", tag: "q8_0", file: undefined});
    expect(parseHfModel("hf:a/b/sub/m.gguf")).toMatchObject({owner: "a", repo: "b", file: "sub/m.gguf"});
    expect(modelsDirectory({env: {H2OGPT_MODELS_DIR: "/m"}})).toBe("/m");
    expect(modelsDirectory({modelsDir: "/x", env: {H2OGPT_MODELS_DIR: "/m"}})).toBe("/x");
    expect(isOfflineMode({env: {HF_HUB_OFFLINE: "1"}})).toBe(true);
    expect(isOfflineMode({env: {H2OGPT_OFFLINE: "true"}})).toBe(true);
    expect(isOfflineMode({env: {}})).toBe(false);
  });

  it("passes a path through unchanged, with no request", async () => {
    expect(await resolveModel({model: tiny, modelsDir: cache, env})).toEqual({path: tiny, downloaded: false});
    expect(stub.requests).toEqual([]);
  });

  it("downloads hf:OWNER/REPO:QUANT once with progress; the cached file is then used with no request", async () => {
    const progress: number[] = [];
    const first = await resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env, onProgress: (p) => progress.push(p.downloadedBytes)});
    expect(first).toMatchObject({source: "hf:test/tiny-GGUF:F16", repo: "test/tiny-GGUF", downloaded: true});
    expect(await digest(first.path)).toBe(await digest(tiny));
    expect(progress.at(-1)).toBe((await stat(tiny)).size);
    expect(stub.requests.some((r) => r.url.startsWith("/v2/test/tiny-GGUF/manifests/F16"))).toBe(true);

    stub.requests.length = 0;
    const second = await resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env});
    expect(second).toMatchObject({path: first.path, downloaded: false});
    expect(stub.requests).toEqual([]);
    // Offline with the file cached works too.
    expect((await resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env: {...env, HF_HUB_OFFLINE: "1"}})).path).toBe(first.path);
    expect(stub.requests).toEqual([]);
  });

  it("downloads hf:OWNER/REPO/FILE.gguf and a URL, each cached by name", async () => {
    const byFile = await resolveModel({model: "hf:test/tiny-GGUF/tiny-Q8_0.gguf", modelsDir: cache, env});
    const url = `${stub.url}/test/tiny-GGUF/resolve/main/tiny-Q8_0.gguf`;
    const byUrl = await resolveModel({model: url, modelsDir: cache, env});
    expect(byUrl.path).toBe(join(cache, "tiny-Q8_0.gguf"));
    expect(byFile.path).not.toBe(byUrl.path);
    stub.requests.length = 0;
    await resolveModel({model: url, modelsDir: cache, env});
    await resolveModel({model: "hf:test/tiny-GGUF/tiny-Q8_0.gguf", modelsDir: cache, env});
    expect(stub.requests).toEqual([]);
  });

  it("refuses offline with an empty cache, naming the model, and makes no request", async () => {
    const error = await failure(resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env, offline: true}));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.message).toContain("hf:test/tiny-GGUF:F16 is not in the models cache");
    expect(stub.requests).toEqual([]);
  });

  it("lists the quantizations there are when the one asked for is not, and names an unknown repo", async () => {
    const quant = await failure(resolveModel({model: "hf:test/tiny-GGUF:Q4_K_M", modelsDir: cache, env}));
    expect(quant).toBeInstanceOf(ModelNotFoundError);
    expect(quant.message).toBe("hf:test/tiny-GGUF:Q4_K_M: test/tiny-GGUF has no Q4_K_M quantization; available: F16, Q8_0");
    const repo = await failure(resolveModel({model: "hf:test/nothing-GGUF:Q4_K_M", modelsDir: cache, env}));
    expect(repo).toBeInstanceOf(ModelNotFoundError);
    expect(repo.message).toMatch(/^hf:test\/nothing-GGUF:Q4_K_M: no repository test\/nothing-GGUF on 127\.0\.0\.1:\d+/);
    const file = await failure(resolveModel({model: "hf:test/tiny-GGUF/other.gguf", modelsDir: cache, env}));
    expect(file.message).toBe("hf:test/tiny-GGUF/other.gguf: test/tiny-GGUF has no file other.gguf; its GGUF files: tiny-F16.gguf, tiny-Q8_0.gguf");
    expect(await readdir(cache)).toEqual([]);
    expect(await quantizationsOf(["m-Q4_K_M.gguf", "m.Q8_0-00001-of-00002.gguf", "m-IQ4_XS.gguf", "mmproj-f16.gguf", "README.md"])).toEqual(["IQ4_XS", "Q4_K_M", "Q8_0"]);
  });

  it("says HF_TOKEN is needed for a gated repo, and downloads with it", async () => {
    const error = await failure(resolveModel({model: "hf:test/gated-GGUF:F16", modelsDir: cache, env}));
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect(error.message).toContain("(HTTP 401); set HF_TOKEN");
    const byFile = await failure(resolveModel({model: "hf:test/gated-GGUF/gated-F16.gguf", modelsDir: cache, env}));
    expect(byFile.message).toContain("set HF_TOKEN");
    expect(await readdir(cache)).toEqual([]);
    expect((await resolveModel({model: "hf:test/gated-GGUF:F16", modelsDir: cache, env: {...env, HF_TOKEN: "secret"}})).downloaded).toBe(true);
  });

  it("resumes a download the server cut off halfway", async () => {
    stub.cutNext(1);
    const resolved = await resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env});
    expect(await digest(resolved.path)).toBe(await digest(tiny));
    expect(stub.requests.filter((r) => r.range != null).length).toBeGreaterThanOrEqual(2);
  });

  it("stops a stalled download with one line, keeps no file under the final name, and the next run resumes it", async () => {
    const chunk = 5 * 1024 * 1024;
    stub.stallFrom(chunk);
    const error = await failure(resolveModel({model: "hf:test/big-GGUF:F16", modelsDir: cache, env, stallTimeoutMs: 1500}));
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect(error.message).toMatch(/^hf:test\/big-GGUF:F16: the download stalled .* kept, run again to resume$/);
    expect(existsSync(join(cache, "hf_test_big.F16.gguf"))).toBe(false);
    expect((await readdir(cache)).some((name) => name.endsWith(".ipull"))).toBe(true);

    stub.stallFrom(undefined);
    stub.requests.length = 0;
    const resolved = await resolveModel({model: "hf:test/big-GGUF:F16", modelsDir: cache, env});
    expect(await digest(resolved.path)).toBe(await digest(big));
    const starts = stub.requests.filter((r) => r.range != null).map((r) => Number(/bytes=(\d+)/.exec(r.range!)![1]));
    expect(starts.length).toBeGreaterThan(0);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(chunk);
  });

  it("does not use a cached file whose size is not the one downloaded", async () => {
    const first = await resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env});
    await truncate(first.path, 1000);
    const offline = await failure(resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env, offline: true}));
    expect(offline.message).toContain("has 1000 bytes where");
    const again = await resolveModel({model: "hf:test/tiny-GGUF:F16", modelsDir: cache, env});
    expect(again.downloaded).toBe(true);
    expect(await digest(again.path)).toBe(await digest(tiny));
  });
});
