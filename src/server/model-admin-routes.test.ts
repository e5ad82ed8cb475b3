import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {writeGguf} from "../gguf/index.js";
import {jsonInit, makeHarness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {loadApiKeys} from "./api-keys.js";
import type {ModelLoadRequest} from "./model-admin-routes.js";
import {hashPassword} from "./password-hash.js";

/** A models folder with two model GGUFs, a LoRA adapter, a non-GGUF, a split model, and links inside and out. */
async function modelsFolder(): Promise<{dir: string; outside: string}> {
  const root = mkdtempSync(join(tmpdir(), "h2ogpt-admin-"));
  const dir = join(root, "models");
  mkdirSync(dir);
  const model = {metadata: {"general.type": {type: "string" as const, value: "model"}}};
  await writeGguf(join(dir, "alpha.gguf"), model);
  await writeGguf(join(dir, "beta.gguf"), model);
  await writeGguf(join(dir, "big-00001-of-00002.gguf"), model);
  await writeGguf(join(dir, "big-00002-of-00002.gguf"), model);
  await writeGguf(join(dir, "style-lora.gguf"), {metadata: {"general.type": {type: "string", value: "adapter"}, "adapter.type": {type: "string", value: "lora"}}});
  writeFileSync(join(dir, "notes.gguf"), "not a gguf");
  mkdirSync(join(dir, "sub.gguf"));
  const outside = join(root, "secret.gguf");
  await writeGguf(outside, model);
  symlinkSync(outside, join(dir, "escape.gguf"));
  symlinkSync(join(dir, "alpha.gguf"), join(dir, "alias.gguf"));
  return {dir, outside};
}

/** Loaded models are scripted; `slow` ones write one word per 20 ms for 10 000 words (they end only when aborted). */
function loaderInto(loads: ModelLoadRequest[], slow: boolean) {
  return async (request: ModelLoadRequest) => {
    loads.push(request);
    return slow ? new ScriptedModel({name: request.name, tokenDelayMs: 20, answer: () => "word ".repeat(10_000)}) : new ScriptedModel({name: request.name});
  };
}

/** scrypt is slow by design: the users are hashed once for the file. */
const users = Promise.all([hashPassword("pw-root"), hashPassword("pw-joe")]).then(
  ([root, joe]) =>
    new Map([
      ["root", {username: "root", passwordHash: root, admin: true}],
      ["joe", {username: "joe", passwordHash: joe, admin: false}]
    ])
);

async function adminServer(options: {drainGraceMs?: number; slow?: boolean} = {}) {
  const {dir, outside} = await modelsFolder();
  const loads: ModelLoadRequest[] = [];
  const apiKeys = loadApiKeys({env: "sk-admin-test-key-0001"});
  const first = new ScriptedModel({name: "first"});
  const harness = makeHarness({models: [first], users: await users, apiKeys, modelAdmin: {modelsDir: dir, load: loaderInto(loads, options.slow ?? false), drainGraceMs: options.drainGraceMs}});
  const login = async (username: string, password: string): Promise<string> => {
    const response = await harness.fetch("/auth/login", jsonInit({username, password}));
    expect(response.status).toBe(200);
    return response.headers.get("set-cookie")!.split(";")[0]!;
  };
  return {...harness, dir, outside, loads, first, root: await login("root", "pw-root"), joe: await login("joe", "pw-joe")};
}

const bodyless = (method: string, headers: Record<string, string>): RequestInit => ({method, headers: {"x-requested-with": "h2ogpt", ...headers}});

describe("/api/admin/models", () => {
  it("refuses non-admins on every route with 403, including an API key, and says who is admin in /api/info", async () => {
    const {fetch, root, joe} = await adminServer();
    const callers: Record<string, string>[] = [{cookie: joe}, {authorization: "Bearer sk-admin-test-key-0001"}];
    for (const headers of callers) {
      const responses = [
        await fetch("/api/admin/models", bodyless("GET", headers)),
        await fetch("/api/admin/models", jsonInit({file: "alpha.gguf"}, headers)),
        await fetch("/api/admin/models/first", bodyless("DELETE", headers))
      ];
      expect(responses.map((r) => r.status)).toEqual([403, 403, 403]);
      expect((await responses[0]!.json()).error.code).toBe("admin_required");
      expect((await (await fetch("/api/info", bodyless("GET", headers))).json()).admin).toBe(false);
    }
    expect((await (await fetch("/api/info", bodyless("GET", {cookie: root}))).json()).admin).toBe(true);
  });

  it("makes the local user admin only when the open server is bound to loopback", async () => {
    const local = makeHarness({models: [new ScriptedModel()]});
    expect((await (await local.fetch("/api/info")).json()).admin).toBe(true);
    expect((await local.fetch("/api/admin/models")).status).toBe(200);
    const lan = makeHarness({models: [new ScriptedModel()], boundHost: "192.168.1.5", checkHostHeader: false});
    expect((await (await lan.fetch("/api/info")).json()).admin).toBe(false);
    expect((await lan.fetch("/api/admin/models")).status).toBe(403);
  });

  it("lists the served models and only the loadable files directly inside models_dir", async () => {
    const {fetch, root} = await adminServer();
    const body = await (await fetch("/api/admin/models", bodyless("GET", {cookie: root}))).json();
    expect(body.files.map((f: {file: string; kind: string}) => `${f.file}:${f.kind}`)).toEqual([
      "alias.gguf:gguf",
      "alpha.gguf:gguf",
      "beta.gguf:gguf",
      "big-00001-of-00002.gguf:gguf",
      "style-lora.gguf:lora"
    ]);
    expect(body.files[1].size).toBeGreaterThan(0);
    expect(body.models).toEqual([
      {name: "first", source: "scripted", engine: "scripted", context: 2048, sequences: 2, loaded_at: expect.any(String), lora: [], prompt_type: "plain"}
    ]);
  });

  it("refuses paths, traversal, links leading outside and files of the wrong kind with 400", async () => {
    const {fetch, root, outside, loads} = await adminServer();
    const cases: [Record<string, unknown>, string][] = [
      [{file: "../secret.gguf"}, "file"],
      [{file: outside}, "file"],
      [{file: ".."}, "file"],
      [{file: "escape.gguf"}, "file"],
      [{file: "sub.gguf"}, "file"],
      [{file: "notes.gguf"}, "file"],
      [{file: "big-00002-of-00002.gguf"}, "file"],
      [{file: "style-lora.gguf"}, "file"],
      [{file: "alpha.gguf", lora: ["alpha.gguf"]}, "lora[0]"],
      [{file: "alpha.gguf", lora: ["../secret.gguf"]}, "lora[0]"],
      [{file: "alpha.gguf", name: "a/b"}, "name"],
      [{file: "alpha.gguf", name: "first"}, "name"],
      [{file: "alpha.gguf", prompt_type: "nonsense"}, "prompt_type"],
      [{}, "file"]
    ];
    for (const [body, param] of cases) {
      const response = await fetch("/api/admin/models", jsonInit(body, {cookie: root}));
      const error = (await response.json()).error;
      expect([JSON.stringify(body), response.status, error.param]).toEqual([JSON.stringify(body), param === "name" && body.name === "first" ? 409 : 400, param]);
    }
    expect(loads).toEqual([]);
  });

  it("loads a file with a LoRA as a new model everyone sees, and unloads it; the last model stays", async () => {
    const {fetch, root, dir, loads, registry, first} = await adminServer();
    const loaded = await fetch("/api/admin/models", jsonInit({file: "beta.gguf", lora: ["style-lora.gguf"], prompt_type: "human_bot"}, {cookie: root}));
    expect(loaded.status).toBe(201);
    expect((await loaded.json()).model).toMatchObject({name: "beta", source: "beta.gguf", lora: ["style-lora.gguf"]});
    expect(loads).toEqual([{path: join(dir, "beta.gguf"), name: "beta", lora: [join(dir, "style-lora.gguf")], promptType: "human_bot"}]);
    expect((await (await fetch("/v1/models", bodyless("GET", {cookie: root}))).json()).data.map((m: {id: string}) => m.id)).toEqual(["first", "beta"]);
    expect((await (await fetch("/api/info", bodyless("GET", {cookie: root}))).json()).models.map((m: {name: string}) => m.name)).toEqual(["first", "beta"]);
    // Compare with both: a chat may name every served model.
    const chat = await (await fetch("/api/chats", jsonInit({models: ["first", "beta"]}, {cookie: root}))).json();
    expect(chat.models).toEqual(["first", "beta"]);

    const again = await fetch("/api/admin/models", jsonInit({file: "beta.gguf"}, {cookie: root}));
    expect([again.status, (await again.json()).error.code]).toEqual([409, "model_exists"]);

    const beta = registry.resolve("beta").model as ScriptedModel;
    const unloaded = await fetch("/api/admin/models/beta", bodyless("DELETE", {cookie: root}));
    expect(await unloaded.json()).toEqual({unloaded: "beta", aborted: 0});
    expect(beta.closed).toBe(true);
    expect(registry.names).toEqual(["first"]);
    const gone = await fetch("/v1/chat/completions", jsonInit({model: "beta", messages: [{role: "user", content: "hi"}]}, {cookie: root}));
    expect(gone.status).toBe(404);

    const last = await fetch("/api/admin/models/first", bodyless("DELETE", {cookie: root}));
    expect([last.status, (await last.json()).error.code]).toEqual([409, "last_model"]);
    expect(first.closed).toBe(false);
    expect((await fetch("/api/admin/models/nothing", bodyless("DELETE", {cookie: root}))).status).toBe(404);
  });

  it("drains a model with a running generation: new requests 404, the running one is aborted after the grace period", async () => {
    const {fetch, root, registry} = await adminServer({drainGraceMs: 50, slow: true});
    const loads = await fetch("/api/admin/models", jsonInit({file: "alpha.gguf"}, {cookie: root}));
    expect(loads.status).toBe(201);
    const alpha = registry.resolve("alpha");
    const streaming = await fetch(
      "/v1/chat/completions",
      jsonInit({model: "alpha", stream: true, messages: [{role: "user", content: "go"}]}, {cookie: root})
    );
    expect(streaming.status).toBe(200);
    const reader = streaming.body!.getReader();
    await reader.read();
    expect(alpha.limiter.stats.running).toBe(1);
    const unloading = fetch("/api/admin/models/alpha", bodyless("DELETE", {cookie: root}));
    const refused = await fetch("/v1/chat/completions", jsonInit({model: "alpha", messages: [{role: "user", content: "hi"}]}, {cookie: root}));
    expect(refused.status).toBe(404);
    // The stream ends (aborted) and the engine is closed once the slot frees.
    while (!(await reader.read()).done);
    expect(await (await unloading).json()).toEqual({unloaded: "alpha", aborted: 1});
    expect((alpha.model as ScriptedModel).closed).toBe(true);
    expect(alpha.limiter.stats.running).toBe(0);
  });
});
