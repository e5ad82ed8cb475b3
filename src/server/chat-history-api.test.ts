import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {jsonInit, makeHarness, readSse} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {planGeneration} from "../generate/index.js";
import {engineModel} from "./engine-model.js";
import {hashPassword} from "./password-hash.js";

const users = Promise.all([hashPassword("pw-ann"), hashPassword("pw-ben")]).then(
  ([ann, ben]) =>
    new Map([
      ["ann", {username: "ann", passwordHash: ann}],
      ["ben", {username: "ben", passwordHash: ben}]
    ])
);

async function twoUsers() {
  const harness = makeHarness({models: [new ScriptedModel({name: "a"}), new ScriptedModel({name: "b"}), new ScriptedModel({name: "c"})], users: await users});
  const login = async (username: string): Promise<Record<string, string>> => {
    const response = await harness.fetch("/auth/login", jsonInit({username, password: `pw-${username}`}));
    return {cookie: response.headers.get("set-cookie")!.split(";")[0]!};
  };
  const ann = await login("ann");
  const ben = await login("ben");
  /** A chat with one answered turn per model named. */
  const chat = async (who: Record<string, string>, message: string, models = ["a"]): Promise<string> => {
    const {id} = await (await harness.fetch("/api/chats", jsonInit({models}, who))).json();
    await harness.fetch(`/api/chats/${id}/messages`, jsonInit({content: message}, who));
    for (const model of models) await readSse(await harness.fetch(`/api/chats/${id}/answer`, jsonInit({model}, who)));
    return id;
  };
  return {...harness, ann, ben, chat};
}

const get = (headers: Record<string, string>): RequestInit => ({headers});

describe("chat history API: search, rename, delete all, export and import", () => {
  it("searches titles and messages case-insensitively, only in the caller's chats", async () => {
    const {fetch, ann, ben, chat} = await twoUsers();
    const pasta = await chat(ann, "How do I cook PASTA?");
    const tea = await chat(ann, "Green tea");
    await fetch(`/api/chats/${tea}`, jsonInit({title: "Morning drinks"}, ann, "PATCH"));
    await chat(ben, "pasta for ben");
    const search = async (who: Record<string, string>, q: string): Promise<string[]> =>
      (await (await fetch(`/api/chats?q=${encodeURIComponent(q)}`, get(who))).json()).chats.map((c: {title: string}) => c.title);
    expect(await search(ann, "pasta")).toEqual(["How do I cook PASTA?"]);
    // The scripted model's answer ("echo: Green tea") is message text too; the title was renamed.
    expect(await search(ann, "ECHO: green")).toEqual(["Morning drinks"]);
    expect(await search(ann, "drinks")).toEqual(["Morning drinks"]);
    expect(await search(ann, "%")).toEqual([]);
    expect(await search(ben, "pasta")).toEqual(["pasta for ben"]);
    expect(await search(ben, "tea")).toEqual([]);
    expect((await (await fetch("/api/chats?q=", get(ann))).json()).chats.map((c: {id: string}) => c.id)).toEqual([tea, pasta]);
  });

  it("renames, keeps per-chat settings, and deletes all only with confirm: true", async () => {
    const {fetch, ann, ben, chat} = await twoUsers();
    const id = await chat(ann, "first");
    await chat(ann, "second");
    await chat(ben, "bens");
    const renamed = await fetch(`/api/chats/${id}`, jsonInit({title: "Renamed", settings: {system_prompt: "Be terse.", context: "CTX"}}, ann, "PATCH"));
    expect(await renamed.json()).toMatchObject({title: "Renamed", settings: {system_prompt: "Be terse.", context: "CTX"}});
    expect((await (await fetch(`/api/chats/${id}`, get(ann))).json()).settings).toEqual({system_prompt: "Be terse.", context: "CTX"});
    expect((await fetch(`/api/chats/${id}`, jsonInit({settings: "no"}, ann, "PATCH"))).status).toBe(400);

    for (const body of [{}, {confirm: "yes"}, {confirm: false}]) {
      const refused = await fetch("/api/chats", jsonInit(body, ann, "DELETE"));
      expect([refused.status, (await refused.json()).error.code]).toEqual([400, "confirmation_required"]);
    }
    expect(await (await fetch("/api/chats", jsonInit({confirm: true}, ann, "DELETE"))).json()).toEqual({deleted: 2});
    expect((await (await fetch("/api/chats", get(ann))).json()).chats).toEqual([]);
    expect((await (await fetch("/api/chats", get(ben))).json()).chats).toHaveLength(1);
  });

  it("exports as a download and imports it back as new chats, never overwriting", async () => {
    const {fetch, ann, ben, chat} = await twoUsers();
    const id = await chat(ann, "compare this", ["a", "b", "c"]);
    await fetch(`/api/chats/${id}`, jsonInit({settings: {system_prompt: "S"}}, ann, "PATCH"));
    const exported = await fetch("/api/chats/export", get(ann));
    expect(exported.headers.get("content-disposition")).toMatch(/^attachment; filename="h2ogpt-chats-\d{4}-\d\d-\d\d\.json"$/);
    const file = await exported.json();
    expect(file).toMatchObject({version: 1, exported_at: expect.stringMatching(/^\d{4}-/)});
    expect(file.chats).toHaveLength(1);
    expect(file.chats[0]).toMatchObject({id, title: "compare this", models: ["a", "b", "c"], settings: {system_prompt: "S"}});
    expect(file.chats[0].messages.map((m: {turn: number; role: string; model: string | null; content: string}) => [m.turn, m.role, m.model, m.content])).toEqual([
      [1, "user", null, "compare this"],
      [1, "assistant", "a", "echo: compare this"],
      [1, "assistant", "b", "echo: compare this"],
      [1, "assistant", "c", "echo: compare this"]
    ]);
    expect(file.chats[0].messages[1].meta.promptRaw).toBe("compare this");

    const imported = await fetch("/api/chats/import", jsonInit(file, ben));
    expect([imported.status, await imported.json()]).toEqual([201, {imported: 1}]);
    const bens = (await (await fetch("/api/chats", get(ben))).json()).chats;
    expect(bens).toHaveLength(1);
    expect(bens[0].id).not.toBe(id);
    const copy = await (await fetch(`/api/chats/${bens[0].id}`, get(ben))).json();
    const strip = (chat: {messages: {id?: number}[]}) => chat.messages.map(({id: _id, ...rest}) => rest);
    const original = await (await fetch(`/api/chats/${id}`, get(ann))).json();
    expect(strip(copy)).toEqual(strip(original));
    expect([copy.title, copy.models, copy.settings, copy.createdAt]).toEqual([original.title, original.models, original.settings, original.createdAt]);
    // Importing into the owner's own history adds a copy beside the original.
    await fetch("/api/chats/import", jsonInit(file, ann));
    expect((await (await fetch("/api/chats", get(ann))).json()).chats).toHaveLength(2);
    expect((await (await fetch(`/api/chats/${id}`, get(ann))).json()).messages).toHaveLength(4);
  });

  it("refuses a bad import with one line naming the JSON path, storing nothing", async () => {
    const {fetch, ann} = await twoUsers();
    const good = {turn: 1, role: "user", content: "hi"};
    const cases: [unknown, string][] = [
      [{version: 2, chats: []}, "version: expected 1 (a chat export of this server), got 2"],
      [{version: 1}, "chats: expected a list, got undefined"],
      [{version: 1, chats: [{title: 5, messages: []}]}, "chats[0].title: expected a string, got 5"],
      [{version: 1, chats: [{title: "t", messages: [good, {...good, role: "system"}]}]}, 'chats[0].messages[1].role: expected "user" or "assistant", got "system"'],
      [{version: 1, chats: [{title: "t", messages: [{...good, turn: 0}]}]}, "chats[0].messages[0].turn: expected a whole number from 1, got 0"],
      [{version: 1, chats: [{title: "t", messages: [{turn: 1, role: "assistant", content: "x"}]}]}, "chats[0].messages[0].model: an assistant message needs the model that wrote it"],
      [{version: 1, chats: [{title: "t", messages: [{...good, status: "done"}]}]}, 'chats[0].messages[0].status: expected "complete" or "streaming" or "stopped" or "error" or "interrupted", got "done"'],
      [{version: 1, chats: [{title: "t", created_at: -1, messages: []}]}, "chats[0].created_at: expected a time in milliseconds since 1970, got -1"],
      [{version: 1, chats: [{title: "ok", messages: [good]}, {title: "t", settings: [1], messages: []}]}, "chats[1].settings: expected a JSON object, got [1]"]
    ];
    for (const [body, message] of cases) {
      const response = await fetch("/api/chats/import", jsonInit(body, ann));
      expect([response.status, (await response.json()).error.message]).toEqual([400, message]);
    }
    expect((await (await fetch("/api/chats", get(ann))).json()).chats).toEqual([]);
  });

  it("takes an import larger than other requests, up to its own cap", async () => {
    const {fetch, ann} = await twoUsers();
    // 200 kB: over the harness's 64 KiB request cap, under the import cap.
    const long = "x".repeat(200_000);
    const response = await fetch("/api/chats/import", jsonInit({version: 1, chats: [{title: "big", messages: [{turn: 1, role: "user", content: long}]}]}, ann));
    expect(await response.json()).toEqual({imported: 1});
    expect((await fetch("/api/chats", jsonInit({title: long}, ann))).status).toBe(413);
  });
});

describe("POST /api/tokenize_prompt", () => {
  it("returns the generate stage's own planning numbers, with history from a stored chat", async () => {
    // The fake engine counts one token per whitespace-separated word.
    const engine = new FakeEngine({script: ["Sure."], contextLength: 64});
    const model = engineModel({engine, name: "planner", promptType: "human_bot"});
    const {fetch} = makeHarness({models: [model]});
    const body = {model: "planner", system_prompt: "Be kind.", context: "Facts here.", max_new_tokens: 20};
    const response = await fetch("/api/tokenize_prompt", jsonInit({...body, instruction: "What now then?", chat_conversation: [["Hi there", "Hello you"]]}));
    const expected = await planGeneration({engine, promptType: "human_bot", systemPrompt: "Be kind.", context: "Facts here.", maxNewTokens: 20, history: [["Hi there", "Hello you"]], instruction: "What now then?"});
    expect(await response.json()).toEqual({prompt_tokens: expected.promptTokens, context: 64, max_new_tokens: expected.maxNewTokens, turns_dropped: 0, fits: true});
    expect(expected.promptTokens).toBeGreaterThan(5);

    const {id} = await (await fetch("/api/chats", jsonInit({}))).json();
    await fetch(`/api/chats/${id}/messages`, jsonInit({content: "Hi there"}));
    const answer = await readSse(await fetch(`/api/chats/${id}/answer`, jsonInit({model: "planner", prompt_type: "human_bot"})));
    expect(JSON.parse(answer.at(-1)!.data).prompt_raw).toBe("<human>: Hi there\n<bot>:");
    const fromChat = await fetch("/api/tokenize_prompt", jsonInit({...body, chat_id: id, instruction: "What now then?"}));
    const withStored = await planGeneration({engine, promptType: "human_bot", systemPrompt: "Be kind.", context: "Facts here.", maxNewTokens: 20, history: [["Hi there", "Sure."]], instruction: "What now then?"});
    expect(await fromChat.json()).toMatchObject({prompt_tokens: withStored.promptTokens, max_new_tokens: withStored.maxNewTokens});

    const empty = await (await fetch("/api/tokenize_prompt", jsonInit({model: "planner"}))).json();
    expect(empty).toMatchObject({fits: true, context: 64});
    const tooLong = await (await fetch("/api/tokenize_prompt", jsonInit({model: "planner", instruction: "word ".repeat(100)}))).json();
    expect(tooLong).toMatchObject({fits: false, max_new_tokens: 0, context: 64});
    expect(tooLong.prompt_tokens).toBeGreaterThan(100);
    expect((await fetch("/api/tokenize_prompt", jsonInit({model: "planner", chat_id: "A".repeat(22)}))).status).toBe(404);
    expect((await fetch("/api/tokenize_prompt", jsonInit({model: "nope"}))).status).toBe(404);
  });

  it("says each model's context and real max-new-tokens limit in /api/info", async () => {
    const small = engineModel({engine: new FakeEngine({script: [], contextLength: 512}), name: "small"});
    const {fetch} = makeHarness({models: [small, new ScriptedModel()], maxNewTokensCap: 4096});
    const info = await (await fetch("/api/info")).json();
    expect(info.models.map((m: {name: string; context: number; max_new_tokens_limit: number}) => [m.name, m.context, m.max_new_tokens_limit])).toEqual([
      ["small", 512, 511],
      ["scripted", 2048, 2047]
    ]);
  });
});
