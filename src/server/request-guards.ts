import type {MiddlewareHandler} from "hono";
import {isLoopbackHost} from "./bind-policy.js";
import {HttpError} from "./http-error.js";

/**
 * Threat model for a browser on the same machine as an unauthenticated local server:
 * - DNS rebinding: a web page re-points its own host name at 127.0.0.1 and then reads the API as same-origin.
 *   The Host header still carries the attacker's name, so an open server answers only requests whose Host is
 *   loopback or the address it was bound to.
 * - Cross-site request forgery with the session cookie, or against an open loopback server that needs no
 *   credentials at all: cookies are SameSite=Strict; state-changing requests carrying an Origin header must come
 *   from this server's own origin or one listed with `--cors_origins` (those get CORS headers without
 *   credentials, so only bearer keys work from them), and `Origin: null` (sandboxed frames, data: URLs) counts as
 *   foreign; and every state-changing request must be one a page cannot send cross-site without a CORS preflight
 *   (which this server grants no other origin): a JSON body, an `X-Requested-With` header (the UI sends it; any
 *   value), or a bearer key. Old browsers that omit Origin are covered by the last rule too.
 * - Clickjacking, MIME sniffing, referrer leaks and injected scripts in the UI: strict headers and a CSP that
 *   allows only the server's own scripts and styles (no inline script, no CDN).
 */

export function hostGuard(options: {boundHost: string; enabled: boolean}): MiddlewareHandler {
  const bound = options.boundHost.replace(/^\[|\]$/g, "").toLowerCase();
  return async (c, next) => {
    if (options.enabled) {
      const host = hostName(c.req.header("host") ?? "");
      if (!isLoopbackHost(host) && host !== bound)
        throw new HttpError(403, `requests for host "${host}" are refused: this server has no authentication, so it only answers to its own address`, {
          code: "host_not_allowed"
        });
    }
    await next();
  };
}

function hostName(header: string): string {
  const trimmed = header.trim().toLowerCase();
  if (trimmed.startsWith("[")) return trimmed.slice(1, trimmed.indexOf("]"));
  return trimmed.replace(/:\d+$/, "");
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Allows requests from `allowed` origins (`--cors_origins`) and answers their preflights; cookies never cross origins. */
export function corsForOrigins(allowed: readonly string[]): MiddlewareHandler {
  const origins = new Set(allowed.map((origin) => origin.replace(/\/$/, "")));
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin == null || !origins.has(origin)) return next();
    if (c.req.method === "OPTIONS") {
      return c.body(null, 204, {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Max-Age": "600",
        Vary: "Origin"
      });
    }
    await next();
    c.header("Access-Control-Allow-Origin", origin);
    c.header("Vary", "Origin");
  };
}

/** Refuses state-changing requests from other origins (and from `Origin: null`) unless listed in `allowed`. */
export function originGuard(allowed: readonly string[] = []): MiddlewareHandler {
  const origins = new Set(allowed.map((origin) => origin.replace(/\/$/, "")));
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (!SAFE_METHODS.has(c.req.method) && origin != null && !origins.has(origin)) {
      const own = new URL(c.req.url);
      let ok = false;
      try {
        ok = new URL(origin).host === (c.req.header("host") ?? own.host);
      } catch {
        ok = false;
      }
      if (!ok) throw new HttpError(403, `cross-origin request from ${origin} refused`, {code: "cross_origin"});
    }
    await next();
  };
}

/** The header the UI sends on requests without a JSON body; a page on another site cannot add it without a preflight. */
export const CSRF_HEADER = "X-Requested-With";

/**
 * Refuses state-changing requests that a page on another site could send as a "simple" request: they need a JSON
 * content type, the {@link CSRF_HEADER} header (so multipart uploads and body-less actions pass with it), or an
 * Authorization header (bearer keys are never sent by a browser on its own).
 */
export function simpleRequestGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) && c.req.header("authorization") == null && c.req.header(CSRF_HEADER) == null) {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!/^application\/([\w.-]+\+)?json$/.test(type))
        throw new HttpError(403, `${c.req.method} requests need Content-Type: application/json or an ${CSRF_HEADER} header (cross-site request protection)`, {
          code: "cross_site_request"
        });
    }
    await next();
  };
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ");

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    c.header("Cross-Origin-Resource-Policy", "same-origin");
    if (c.res.headers.get("content-type")?.startsWith("text/html")) c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    if (!c.res.headers.has("cache-control")) c.header("Cache-Control", "no-store");
  };
}
