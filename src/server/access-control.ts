import {createHash, randomBytes} from "node:crypto";
import type {Context, MiddlewareHandler} from "hono";
import {getCookie} from "hono/cookie";
import {bearerToken, matchApiKey, type ApiKey} from "./api-keys.js";
import type {AuthUser} from "./auth-file.js";
import type {HistoryStore} from "./history-store.js";
import {HttpError} from "./http-error.js";

/**
 * Who is calling. Threat model: anyone who can reach the port. When users or keys are configured every API
 * route requires either a valid `Authorization: Bearer <key>` or a session cookie issued by the login route;
 * a presented but wrong bearer key is refused even if a cookie is also present (no fallback that could mask a
 * misconfigured client). An open server (loopback, no users, no keys) ignores bearer keys, since OpenAI clients
 * always send one. Session tokens are 256-bit random, stored only as SHA-256 digests (a leaked database
 * holds no usable token), HttpOnly (scripts cannot read them) and SameSite=Strict (other sites cannot send
 * them). Sessions survive a restart and end on logout, on expiry, or when the user leaves the auth file.
 */

export const SESSION_COOKIE = "h2ogpt_session";
/** The user everything belongs to when the server has neither users nor keys (loopback only). */
export const LOCAL_USER = "local";

export interface Principal {
  readonly user: string;
  readonly via: "open" | "session" | "api_key";
}

export interface AccessConfig {
  readonly users: ReadonlyMap<string, AuthUser>;
  readonly apiKeys: readonly ApiKey[];
  readonly sessionTtlMs: number;
}

export type AppEnv = {Variables: {principal: Principal}};

export function authRequired(config: AccessConfig): boolean {
  return config.users.size > 0 || config.apiKeys.length > 0;
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function principalOf(c: Context, config: AccessConfig, store: HistoryStore): Principal | undefined {
  const header = c.req.header("authorization");
  // OpenAI clients always send some key; an open server has none to check, so it ignores them.
  if (header != null && authRequired(config)) {
    const token = bearerToken(header);
    const key = token == null ? undefined : matchApiKey(config.apiKeys, token);
    if (key == null) throw new HttpError(401, "invalid API key", {code: "invalid_api_key", headers: {"WWW-Authenticate": "Bearer"}});
    return {user: key.identity, via: "api_key"};
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie != null && cookie.length <= 128) {
    const user = store.sessionUser(digest(cookie));
    if (user != null) return {user, via: "session"};
  }
  if (!authRequired(config)) return {user: LOCAL_USER, via: "open"};
  return undefined;
}

/** Requires a principal for API routes: 401 with a Bearer challenge otherwise. */
export function requirePrincipal(config: AccessConfig, store: HistoryStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = principalOf(c, config, store);
    if (principal == null)
      throw new HttpError(401, "authentication required: send Authorization: Bearer <API key> or log in", {
        code: "unauthenticated",
        headers: {"WWW-Authenticate": "Bearer"}
      });
    c.set("principal", principal);
    await next();
  };
}

/** Issues a session for `user` and returns the cookie value. */
export function createSession(store: HistoryStore, user: string, ttlMs: number): string {
  const token = randomBytes(32).toString("base64url");
  store.createSession(digest(token), user, Date.now() + ttlMs);
  return token;
}

export function endSession(store: HistoryStore, token: string | undefined): void {
  if (token != null) store.deleteSession(digest(token));
}
