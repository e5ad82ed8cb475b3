import {Hono, type Context} from "hono";
import {deleteCookie, getCookie, setCookie} from "hono/cookie";
import {authRequired, checkKeyThrottle, createSession, endSession, principalOf, SESSION_COOKIE, type AppEnv, type Gate} from "./access-control.js";
import {asObject, optionalString} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import {decoyPasswordHash, verifyPassword} from "./password-hash.js";
import {readJsonBody} from "./read-json-body.js";

/**
 * Login with a username and password (`--auth`) or with an API key (so a keys-only server can still be used
 * from the browser), logout, and who-am-I for the UI. Guessing is slowed as login-throttle.ts describes. The
 * session cookie is Secure when the client came over https (directly or, per X-Forwarded-Proto, through a trusted
 * proxy) or when `secureCookies` (`--secure_cookies`) says so.
 */
export function authRoutes(options: Gate & {readonly secureCookies: boolean}): Hono<AppEnv> {
  const {access: config, store, throttle} = options;
  const app = new Hono<AppEnv>();

  app.get("/session", async (c) => {
    const principal = await principalOf(c, options);
    return c.json({
      user: principal?.user ?? null,
      via: principal?.via ?? null,
      auth_required: authRequired(config),
      login_methods: [...(config.passwordLogin ? ["password"] : []), ...(config.keyLogin ? ["api_key"] : [])]
    });
  });

  const signIn = async (c: Context<AppEnv>, user: string): Promise<Response> => {
    await endSession(store, getCookie(c, SESSION_COOKIE));
    const token = await createSession(store, user, config.sessionTtlMs);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: options.secureCookies || c.get("client").https,
      maxAge: Math.floor(config.sessionTtlMs / 1000)
    });
    return c.json({user});
  };

  app.post("/login", async (c) => {
    const body = asObject(await readJsonBody(c), "body");
    const username = optionalString(body, "username", 128);
    const password = optionalString(body, "password", 1024);
    const apiKey = optionalString(body, "api_key", 1024);
    const client = c.get("client").address;

    if (apiKey != null) {
      await checkKeyThrottle(throttle, client);
      const key = await config.users.matchApiKey(apiKey);
      if (key == null) {
        await throttle.recordKeyFailure(client);
        throw new HttpError(401, "invalid API key", {code: "invalid_credentials"});
      }
      await config.users.keyUsed(key);
      return signIn(c, key.identity);
    }
    if (username == null || password == null) throw new HttpError(400, "body: send {username, password} or {api_key}", {code: "missing_field"});

    // Reserved before the slow verification, so concurrent guesses are counted before any of them is checked.
    const attempt = await throttle.attemptPassword(username, client);
    if (!attempt.allowed)
      throw new HttpError(429, `too many failed logins; try again in ${attempt.retryAfterSeconds} s`, {
        code: "too_many_attempts",
        headers: {"Retry-After": String(attempt.retryAfterSeconds)}
      });
    let ok = false;
    try {
      const record = await config.users.user(username);
      ok = (await verifyPassword(password, record?.passwordHash ?? (await decoyPasswordHash()))) && record != null;
    } finally {
      await attempt.settle(ok);
    }
    if (!ok) throw new HttpError(401, "wrong username or password", {code: "invalid_credentials"});
    return signIn(c, username);
  });

  app.post("/logout", async (c) => {
    await endSession(store, getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, {path: "/"});
    return c.json({ok: true});
  });

  return app;
}
