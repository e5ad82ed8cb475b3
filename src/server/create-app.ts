import {Hono, type Context} from "hono";
import {bodyLimit} from "hono/body-limit";
import type {UiAsset} from "../ui/index.js";
import {authRequired, principalOf, requirePrincipal, type AccessConfig, type AppEnv} from "./access-control.js";
import {authRoutes} from "./auth-routes.js";
import {chatRoutes} from "./chat-routes.js";
import {h2oGptRoutes} from "./h2ogpt-routes.js";
import type {HistoryStore} from "./history-store.js";
import {HttpError} from "./http-error.js";
import type {LoginThrottle} from "./login-throttle.js";
import type {ModelRegistry} from "./model-registry.js";
import {openAiRoutes} from "./openai-routes.js";
import type {RequestLimits} from "./request-limits.js";
import {corsForOrigins, hostGuard, originGuard, securityHeaders} from "./request-guards.js";
import type {ModelInfo} from "./served-model.js";
import {toLoggedHttpError} from "./to-http-error.js";
import {uiRoutes} from "./ui-routes.js";

export interface AppOptions {
  readonly registry: ModelRegistry;
  readonly store: HistoryStore;
  readonly access: AccessConfig;
  readonly limits: RequestLimits;
  readonly maxBodyBytes: number;
  readonly maxEmbeddingInputs: number;
  /** The address the server listens on; with no auth, only requests naming it (or loopback) are answered. */
  readonly boundHost: string;
  /** Refuse requests whose Host header is not loopback or `boundHost` (DNS rebinding); on for open servers. */
  readonly checkHostHeader: boolean;
  readonly assets: ReadonlyMap<string, UiAsset> | undefined;
  readonly promptTypes: readonly string[];
  readonly startedAt: number;
  /** Other web origins allowed to call the API (CORS without credentials). */
  readonly corsOrigins?: readonly string[];
  /** Failed-login limits; the default allows 10 failures per user or address per 15 minutes. */
  readonly loginThrottle?: LoginThrottle;
}

export function modelInfoBody(info: ModelInfo): Record<string, unknown> {
  return {
    name: info.name,
    engine: info.engine,
    context_length: info.contextLength,
    sequences: info.sequences,
    prompt_type: info.promptType ?? null,
    embeddings: info.embeddings,
    notice: info.notice ?? null,
    details: info.details ?? {}
  };
}

function errorResponse(c: Context, error: unknown): Response {
  const http = toLoggedHttpError(error);
  for (const [name, value] of Object.entries(http.headers)) c.header(name, value);
  return c.json(http.toBody(), http.status as 400);
}

/** The whole HTTP surface: `/health`, `/auth`, `/v1` (OpenAI), `/api` (h2oGPT + the UI's chats), and the UI. */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const {registry, store, access, limits} = options;
  const app = new Hono<AppEnv>();

  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) => errorResponse(c, new HttpError(404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`, {code: "not_found"})));

  app.use("*", securityHeaders());
  app.use("*", hostGuard({boundHost: options.boundHost, enabled: options.checkHostHeader}));
  app.use("*", corsForOrigins(options.corsOrigins ?? []));
  app.use("*", originGuard(options.corsOrigins ?? []));
  app.use(
    "*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new HttpError(413, `request body larger than ${options.maxBodyBytes} bytes`, {code: "body_too_large"});
      }
    })
  );

  // Public for load balancers; model names are only listed when the server is open anyway.
  app.get("/health", (c) => c.json(authRequired(access) ? {status: "ok"} : {status: "ok", models: registry.names}));
  app.route("/auth", authRoutes(access, store, options.loginThrottle));

  const guard = requirePrincipal(access, store);
  app.use("/v1/*", guard);
  app.use("/api/*", guard);
  app.route("/v1", openAiRoutes({registry, limits, maxEmbeddingInputs: options.maxEmbeddingInputs, startedAt: options.startedAt}));
  app.route("/api", h2oGptRoutes({registry, limits}));
  app.route("/api/chats", chatRoutes({registry, store, limits}));

  app.get("/api/info", (c) =>
    c.json({
      user: c.get("principal").user,
      auth_required: authRequired(access),
      models: registry.all.map((entry) => modelInfoBody(entry.model.info)),
      prompt_types: options.promptTypes,
      limits: {
        max_new_tokens_cap: limits.maxNewTokensCap,
        default_max_new_tokens: Math.min(limits.defaultMaxNewTokens, limits.maxNewTokensCap),
        max_body_bytes: options.maxBodyBytes
      }
    })
  );

  app.route(
    "/",
    uiRoutes({
      assets: options.assets,
      authRequired: authRequired(access),
      signedIn: (c) => {
        try {
          return principalOf(c, access, store) != null;
        } catch {
          return false;
        }
      }
    })
  );
  return app;
}
