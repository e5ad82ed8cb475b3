import {getConnInfo} from "@hono/node-server/conninfo";
import {Hono} from "hono";
import {deleteCookie, getCookie, setCookie} from "hono/cookie";
import {matchApiKey} from "./api-keys.js";
import {createSession, endSession, principalOf, SESSION_COOKIE, type AccessConfig, type AppEnv} from "./access-control.js";
import {asObject, optionalString} from "./field-readers.js";
import type {HistoryStore} from "./history-store.js";
import {HttpError} from "./http-error.js";
import {LoginThrottle} from "./login-throttle.js";
import {decoyPasswordHash, verifyPassword} from "./password-hash.js";
import {readJsonBody} from "./read-json-body.js";

/**
 * Login with a username and password (`--auth`) or with an API key (so a keys-only server can still be used
 * from the browser), logout, and who-am-I for the UI.
 */
export function authRoutes(config: AccessConfig, store: HistoryStore, throttle = new LoginThrottle()): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/session", (c) => {
    const principal = principalOf(c, config, store);
    return c.json({
      user: principal?.user ?? null,
      via: principal?.via ?? null,
      auth_required: config.users.size > 0 || config.apiKeys.length > 0,
      login_methods: [...(config.users.size > 0 ? ["password"] : []), ...(config.apiKeys.length > 0 ? ["api_key"] : [])]
    });
  });

  app.post("/login", async (c) => {
    const body = asObject(await readJsonBody(c), "body");
    const username = optionalString(body, "username", 128);
    const password = optionalString(body, "password", 1024);
    const apiKey = optionalString(body, "api_key", 1024);
    const address = clientAddress(c);
    const keys = [`ip:${address}`, ...(username == null ? [] : [`user:${username}`])];

    const wait = throttle.retryAfterSeconds(keys);
    if (wait > 0)
      throw new HttpError(429, `too many failed logins; try again in ${wait} s`, {code: "login_locked", headers: {"Retry-After": String(wait)}});

    let user: string | undefined;
    if (apiKey != null) {
      user = matchApiKey(config.apiKeys, apiKey)?.identity;
    } else if (username != null && password != null) {
      const record = config.users.get(username);
      const ok = await verifyPassword(password, record?.passwordHash ?? (await decoyPasswordHash()));
      if (ok && record != null) user = record.username;
    } else {
      throw new HttpError(400, "body: send {username, password} or {api_key}", {code: "missing_field"});
    }

    if (user == null) {
      throttle.recordFailure(keys);
      throw new HttpError(401, apiKey != null ? "invalid API key" : "wrong username or password", {code: "invalid_credentials"});
    }
    throttle.recordSuccess(keys);
    endSession(store, getCookie(c, SESSION_COOKIE));
    const token = createSession(store, user, config.sessionTtlMs);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: Math.floor(config.sessionTtlMs / 1000)
    });
    return c.json({user});
  });

  app.post("/logout", (c) => {
    endSession(store, getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, {path: "/"});
    return c.json({ok: true});
  });

  return app;
}

function clientAddress(c: Parameters<typeof getConnInfo>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}
