import {describe, expect, it} from "vitest";
import {jsonInit, makeHarness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {loadApiKeys} from "./api-keys.js";
import {hashPassword} from "./password-hash.js";

const UI_HEADER = {"x-requested-with": "h2ogpt"};

describe("cross-site request protection", () => {
  it("treats Origin: null (sandboxed frames, data: URLs) as cross-origin", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const forged = await fetch("/api/chats", jsonInit({}, {origin: "null"}));
    expect(forged.status).toBe(403);
    expect((await forged.json()).error.code).toBe("cross_origin");
    expect((await fetch("/api/chats")).status).toBe(200);
    expect((await (await fetch("/api/chats")).json()).chats).toEqual([]);
  });

  it("refuses state-changing requests a page could send cross-site: body-less, text/plain, or form posts", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()]});
    const chat = await (await fetch("/api/chats", jsonInit({}))).json();
    await fetch(`/api/chats/${chat.id}/messages`, jsonInit({content: "keep me"}));
    for (const [method, path, init] of [
      ["POST", `/api/chats/${chat.id}/clear`, {}],
      ["POST", `/api/chats/${chat.id}/undo`, {}],
      ["DELETE", `/api/chats/${chat.id}`, {}],
      ["POST", "/api/chats", {headers: {"content-type": "text/plain"}, body: "{}"}],
      ["POST", "/api/chats", {headers: {"content-type": "text/plain; a=application/json"}, body: "{}"}],
      ["POST", "/api/chats", {headers: {"content-type": "application/x-www-form-urlencoded"}, body: "a=1"}],
      ["POST", "/api/documents", {body: new FormData()}]
    ] as const) {
      const refused = await fetch(path, {method, ...init});
      expect([method, path, refused.status]).toEqual([method, path, 403]);
      expect((await refused.json()).error.code).toBe("cross_site_request");
    }
    expect((await (await fetch(`/api/chats/${chat.id}`)).json()).messages).toHaveLength(1);

    // What the UI sends: the header on body-less actions (and multipart uploads), JSON elsewhere.
    expect((await fetch(`/api/chats/${chat.id}/clear`, {method: "POST", headers: UI_HEADER})).status).toBe(200);
    expect((await fetch(`/api/chats/${chat.id}`, {method: "DELETE", headers: UI_HEADER})).status).toBe(200);
    const form = new FormData();
    form.append("file", new Blob(["text"]), "a.txt");
    expect((await fetch("/api/documents", {method: "POST", headers: UI_HEADER, body: form})).status).not.toBe(403);
  });

  it("covers session cookies (logout too) but lets bearer-key requests through without the header", async () => {
    const users = new Map([["alice", {username: "alice", passwordHash: await hashPassword("pw-alice")}]]);
    const apiKeys = loadApiKeys({env: "sk-guard-test-0123456789"});
    const {fetch} = makeHarness({models: [new ScriptedModel()], users, apiKeys});
    const cookie = (await fetch("/auth/login", jsonInit({username: "alice", password: "pw-alice"}))).headers.get("set-cookie")!.split(";")[0]!;
    const chat = await (await fetch("/api/chats", jsonInit({}, {cookie}))).json();
    expect((await fetch(`/api/chats/${chat.id}/undo`, {method: "POST", headers: {cookie}})).status).toBe(403);
    expect((await fetch("/auth/logout", {method: "POST", headers: {cookie}})).status).toBe(403);
    expect((await fetch("/api/chats", {headers: {cookie}})).status).toBe(200);
    expect((await fetch("/auth/logout", {method: "POST", headers: {cookie, ...UI_HEADER}})).status).toBe(200);

    const keyChat = await (await fetch("/api/chats", jsonInit({}, {authorization: "Bearer sk-guard-test-0123456789"}))).json();
    const viaKey = await fetch(`/api/chats/${keyChat.id}/clear`, {method: "POST", headers: {authorization: "Bearer sk-guard-test-0123456789"}});
    expect(viaKey.status).toBe(200);
  });
});
