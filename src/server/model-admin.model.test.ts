import {copyFileSync, mkdirSync, mkdtempSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {createEngine} from "../engine/index.js";
import {tinyServedModel} from "../../test/server/real-model.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {engineModel, startServer, type RunningServer} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-admin-model-"));

describe.skipIf(tinyLlamaPath == null)("loading and unloading a real GGUF at run time (tiny random llama)", () => {
  let server: RunningServer | undefined;
  afterAll(() => server?.close());

  it("loads a file of models_dir with llama.cpp, answers with it, then unloads it", async () => {
    const modelsDir = join(dir, "models");
    mkdirSync(modelsDir);
    copyFileSync(tinyLlamaPath!, join(modelsDir, "tiny-copy.gguf"));
    server = await startServer({
      models: [await tinyServedModel({name: "first", sequences: 1})],
      port: 0,
      historyDb: join(dir, "history.db"),
      modelAdmin: {
        modelsDir,
        load: async (request) => engineModel({engine: await createEngine({baseModel: request.path, sequences: 1, contextLength: 256}), name: request.name, promptType: request.promptType})
      }
    });
    const api = (path: string, init: RequestInit = {}): Promise<Response> =>
      fetch(`${server!.url}${path}`, {...init, headers: {"content-type": "application/json", "x-requested-with": "h2ogpt", ...init.headers}});

    const listed = await (await api("/api/admin/models")).json();
    expect(listed.files).toEqual([{file: "tiny-copy.gguf", size: expect.any(Number), kind: "gguf"}]);
    const loaded = await api("/api/admin/models", {method: "POST", body: JSON.stringify({file: "tiny-copy.gguf", prompt_type: "plain"})});
    expect(loaded.status).toBe(201);
    expect((await loaded.json()).model).toMatchObject({name: "tiny-copy", source: "tiny-copy.gguf", context: 256, prompt_type: "plain"});

    const answer = await api("/v1/chat/completions", {method: "POST", body: JSON.stringify({model: "tiny-copy", max_tokens: 4, temperature: 0, messages: [{role: "user", content: "Hi"}]})});
    const body = await answer.json();
    expect([answer.status, body.model, body.usage.completion_tokens]).toEqual([200, "tiny-copy", 4]);
    const info = await (await api("/api/info")).json();
    expect(info.models.map((m: {name: string; max_new_tokens_limit: number}) => [m.name, m.max_new_tokens_limit])).toEqual([
      ["first", 2047],
      ["tiny-copy", 255]
    ]);

    expect(await (await api("/api/admin/models/tiny-copy", {method: "DELETE"})).json()).toEqual({unloaded: "tiny-copy", aborted: 0});
    expect((await (await api("/v1/models")).json()).data.map((m: {id: string}) => m.id)).toEqual(["first"]);
  });
});
