import {describe, expect, it} from "vitest";
import {jsonInit, makeHarness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {loadApiKeys} from "./api-keys.js";
import {hashPassword} from "./password-hash.js";

const KEY = "sk-right-key-0123456789";

describe("API key throttle", () => {
  it("answers 429 with Retry-After to a client sending many wrong keys; a correct key from another client still works", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()], apiKeys: loadApiKeys({env: KEY})});
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++)
      statuses.push((await fetch("/v1/models", {headers: {authorization: `Bearer sk-guess-${String(i).padStart(12, "0")}`}}, "203.0.113.9")).status);
    const firstRefusal = statuses.indexOf(429);
    expect(firstRefusal).toBeGreaterThan(0);
    expect(statuses.slice(0, firstRefusal).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstRefusal).every((s) => s === 429)).toBe(true);

    const throttled = await fetch("/v1/models", {headers: {authorization: `Bearer ${KEY}`}}, "203.0.113.9");
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    // The UI's key login and the pages are no way around it.
    expect((await fetch("/auth/login", jsonInit({api_key: "sk-guess-login-000000"}), "203.0.113.9")).status).toBe(429);
    expect((await fetch("/auth/session", {headers: {authorization: `Bearer ${KEY}`}}, "203.0.113.9")).status).toBe(429);

    expect((await fetch("/v1/models", {headers: {authorization: `Bearer ${KEY}`}}, "198.51.100.7")).status).toBe(200);
    expect((await fetch("/auth/login", jsonInit({api_key: KEY}), "198.51.100.7")).status).toBe(200);
  });
});

describe("session cookie Secure flag", () => {
  const users = async () => new Map([["alice", {username: "alice", passwordHash: await hashPassword("pw-alice")}]]);
  const login = (fetch: ReturnType<typeof makeHarness>["fetch"], headers: Record<string, string>, peer: string) =>
    fetch("/auth/login", jsonInit({username: "alice", password: "pw-alice"}, headers), peer).then((r) => r.headers.get("set-cookie") ?? "");

  it("is set behind a trusted TLS-terminating proxy (X-Forwarded-Proto: https), not when anyone else says so", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()], users: await users(), trustedProxies: ["10.0.0.0/8"]});
    expect(await login(fetch, {"x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.7"}, "10.0.0.2")).toMatch(/; Secure(;|$)/);
    expect(await login(fetch, {"x-forwarded-proto": "https"}, "203.0.113.9")).not.toMatch(/Secure/);
    expect(await login(fetch, {"x-forwarded-proto": "http"}, "10.0.0.2")).not.toMatch(/Secure/);
  });

  it("is always set with --secure_cookies", async () => {
    const {fetch} = makeHarness({models: [new ScriptedModel()], users: await users(), secureCookies: true});
    expect(await login(fetch, {}, "127.0.0.1")).toMatch(/; Secure(;|$)/);
  });
});
