import {createHash, randomBytes} from "node:crypto";
import type {Context, MiddlewareHandler} from "hono";
import {getCookie} from "hono/cookie";
import {bearerToken} from "./api-keys.js";
import type {ClientInfo} from "./client-address.js";
import {HttpError} from "./http-error.js";
import type {LoginThrottle} from "./login-throttle.js";
import type {SessionStore} from "./session-store.js";
import type {UserStore} from "./user-store.js";

/**
 * Who is calling. Threat model: anyone who can reach the port. When users or keys are configured every API
 * route requires either a valid `Authorization: Bearer <key>` or a session cookie issued by the login route;
 * a presented but wrong bearer key is refused even if a cookie is also present (no fallback that could mask a
 * misconfigured client). Wrong keys are counted per client and a client that keeps sending them gets 429 before
 * any key is checked (login-throttle.ts), on every route that looks at keys, so none is an unthrottled oracle.
 * An open server (loopback, no users, no keys) ignores bearer keys, since OpenAI clients always send one.
 * Session tokens are 256-bit random, stored only as SHA-256 digests (a leaked database holds no usable token),
 * HttpOnly (scripts cannot read them) and SameSite=Strict (other sites cannot send them). Sessions survive a restart and end on logout, on expiry, or when the user leaves the auth file (with `--db_url`: the database) and the server restarts.
 */

export const SESSION_COOKIE = "h2ogpt_session";
/** The user everything belongs to when the server has neither users nor keys (loopback only). */
export const LOCAL_USER = "local";

export interface Principal {
  readonly user: string;
  readonly via: "open" | "session" | "api_key";
  /**
   * May load and unload models (`/api/admin`): a signed-in user the auth file marks `"admin": true`, or the
   * local user of an open server bound to loopback. API keys never are (a key is not a person in the auth file).
   */
  readonly admin: boolean;
}

export interface AccessConfig {
  /** The users and API keys (in memory from the files, or in the shared database with `--db_url`). */
  readonly users: UserStore;
  /**
   * Whether password and key logins exist, decided at start (the files were given or the database holds users or
   * keys): a server that needs no sign-in at start stays open until restarted.
   */
  readonly passwordLogin: boolean;
  readonly keyLogin: boolean;
  readonly sessionTtlMs: number;
  /** Whether the local user of an open server (no users, no keys) is an admin: only when bound to loopback. */
  readonly localAdmin?: boolean;
}

/** What deciding who is calling needs: the configuration, the session store, and the failed-key throttle. */
export interface Gate {
  readonly access: AccessConfig;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
}

export type AppEnv = {Variables: {principal: Principal; client: ClientInfo}};

export function authRequired(config: AccessConfig): boolean {
  return config.passwordLogin || config.keyLogin;
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Refuses a client that sent too many wrong API keys: 429 with Retry-After. */
export async function checkKeyThrottle(throttle: LoginThrottle, client: string): Promise<void> {
  const wait = await throttle.keyRetryAfterSeconds(client);
  if (wait > 0)
    throw new HttpError(429, `too many wrong API keys from this address; try again in ${wait} s`, {code: "too_many_attempts", headers: {"Retry-After": String(wait)}});
}

/** The caller, from a bearer key or a session cookie; undefined when neither (and the server is not open). */
export async function principalOf(c: Context, gate: Gate): Promise<Principal | undefined> {
  const {access: config, store, throttle} = gate;
  const header = c.req.header("authorization");
  // OpenAI clients always send some key; an open server has none to check, so it ignores them.
  if (header != null && authRequired(config)) {
    const client = (c.get("client") as ClientInfo).address;
    await checkKeyThrottle(throttle, client);
    const token = bearerToken(header);
    const key = token == null ? undefined : await config.users.matchApiKey(token);
    if (key == null) {
      await throttle.recordKeyFailure(client);
      throw new HttpError(401, "invalid API key", {code: "invalid_api_key", headers: {"WWW-Authenticate": "Bearer"}});
    }
    await config.users.keyUsed(key);
    return {user: key.identity, via: "api_key", admin: false};
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie != null && cookie.length <= 128) {
    const user = await store.sessionUser(digest(cookie));
    if (user != null) return {user, via: "session", admin: (await config.users.user(user))?.admin === true};
  }
  if (!authRequired(config)) return {user: LOCAL_USER, via: "open", admin: config.localAdmin === true};
  return undefined;
}

/** Requires a principal for API routes: 401 with a Bearer challenge otherwise. */
export function requirePrincipal(gate: Gate): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await principalOf(c, gate);
    if (principal == null)
      throw new HttpError(401, "authentication required: send Authorization: Bearer <API key> or log in", {
        code: "unauthenticated",
        headers: {"WWW-Authenticate": "Bearer"}
      });
    c.set("principal", principal);
    await next();
  };
}

/** Refuses callers who are not admins: 403 `admin_required`. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.get("principal").admin)
      throw new HttpError(403, "only an admin may manage models (mark the user \"admin\": true in the --auth file)", {code: "admin_required"});
    await next();
  };
}

/** Issues a session for `user` and returns the cookie value. */
export async function createSession(store: SessionStore, user: string, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await store.createSession(digest(token), user, Date.now() + ttlMs);
  return token;
}

export async function endSession(store: SessionStore, token: string | undefined): Promise<void> {
  if (token != null) await store.deleteSession(digest(token));
}
