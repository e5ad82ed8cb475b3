import type {CollectionManager} from "../../src/docs/index.js";
import {parseTrustedProxies} from "../../src/server/client-address.js";
import {createApp} from "../../src/server/create-app.js";
import {HistoryStore} from "../../src/server/history-store.js";
import {LoginThrottle} from "../../src/server/login-throttle.js";
import type {ModelAdminOptions} from "../../src/server/model-admin-routes.js";
import {ModelRegistry} from "../../src/server/model-registry.js";
import {MemoryUserStore} from "../../src/server/user-store.js";
import type {ApiKey, AuthUser, ServedModel} from "../../src/server/index.js";

/**
 * The server's Hono app in-process (no socket): `fetch` behaves like a client of http://127.0.0.1:7860 connecting
 * from `peer` (the TCP peer address the server sees; default 127.0.0.1).
 */
export interface Harness {
  readonly fetch: (input: string | URL | Request, init?: RequestInit, peer?: string) => Promise<Response>;
  readonly store: HistoryStore;
  readonly registry: ModelRegistry;
}

export function makeHarness(options: {
  models: ServedModel[];
  users?: Map<string, AuthUser>;
  apiKeys?: ApiKey[];
  maxBodyBytes?: number;
  maxNewTokensCap?: number;
  concurrency?: number;
  maxQueue?: number;
  checkHostHeader?: boolean;
  loginThrottle?: LoginThrottle;
  corsOrigins?: string[];
  trustedProxies?: string[];
  secureCookies?: boolean;
  collections?: CollectionManager;
  allowSharedChanges?: boolean;
  maxUploadBytes?: number;
  modelAdmin?: ModelAdminOptions;
  /** The address the server says it is bound to (default 127.0.0.1). */
  boundHost?: string;
}): Harness {
  const store = HistoryStore.open(":memory:");
  const users = new MemoryUserStore();
  const seeded = users.seed({users: [...(options.users?.values() ?? [])], apiKeys: options.apiKeys ?? []});
  const registry = new ModelRegistry(options.models, {concurrency: options.concurrency, maxQueue: options.maxQueue});
  const app = createApp({
    registry,
    store,
    access: {users, passwordLogin: seeded.usersAdded.length > 0, keyLogin: seeded.keysAdded > 0, sessionTtlMs: 3600_000},
    limits: {maxNewTokensCap: options.maxNewTokensCap ?? 512, defaultMaxNewTokens: 256, maxChoices: 8},
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    maxEmbeddingInputs: 16,
    boundHost: options.boundHost ?? "127.0.0.1",
    checkHostHeader: options.checkHostHeader ?? true,
    assets: new Map([
      ["/index.html", {body: Buffer.from("<!doctype html><title>h2oGPT</title>"), contentType: "text/html; charset=utf-8", etag: '"i"'}],
      ["/login.html", {body: Buffer.from("<!doctype html><title>login</title>"), contentType: "text/html; charset=utf-8", etag: '"l"'}],
      ["/app.js", {body: Buffer.from("console.log(1)"), contentType: "text/javascript; charset=utf-8", etag: '"a"'}]
    ]),
    promptTypes: ["plain", "human_bot"],
    startedAt: Date.now(),
    loginThrottle: options.loginThrottle,
    corsOrigins: options.corsOrigins,
    trustedProxies: parseTrustedProxies(options.trustedProxies ?? []),
    secureCookies: options.secureCookies,
    collections: options.collections,
    allowSharedChanges: options.allowSharedChanges,
    maxUploadBytes: options.maxUploadBytes,
    modelAdmin: options.modelAdmin
  });
  const fetch = async (input: string | URL | Request, init?: RequestInit, peer = "127.0.0.1"): Promise<Response> => {
    const request = new Request(typeof input === "string" && input.startsWith("/") ? `http://127.0.0.1:7860${input}` : input, init);
    if (!request.headers.has("host")) request.headers.set("host", "127.0.0.1:7860");
    // What @hono/node-server passes as the environment: getConnInfo reads the socket's remote address from it.
    const socket = {remoteAddress: peer, remotePort: 50_000, remoteFamily: peer.includes(":") ? "IPv6" : "IPv4"};
    return app.fetch(request, {incoming: {socket}});
  };
  return {fetch, store, registry};
}

export function jsonInit(body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit {
  return {method, headers: {"content-type": "application/json", ...headers}, body: JSON.stringify(body)};
}

/** Parses an SSE body into `{event, data}` records. */
export async function readSse(response: Response): Promise<{event: string; data: string}[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return {event, data};
    });
}
