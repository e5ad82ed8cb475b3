import {BlockList} from "node:net";
import type {AnswerScorer} from "./answer-scorer.js";
import {Hono, type Context} from "hono";
import {bodyLimit} from "hono/body-limit";
import type {CollectionManager} from "../docs/index.js";
import {DEFAULT_MIN_P, DEFAULT_TOP_K} from "../engine/index.js";
import {GENERATION_DEFAULTS} from "../generate/index.js";
import type {UiAsset} from "../ui/index.js";
import {authRequired, principalOf, requirePrincipal, type AccessConfig, type AppEnv, type Gate} from "./access-control.js";
import {authRoutes} from "./auth-routes.js";
import {chatRoutes, MAX_IMPORT_BYTES} from "./chat-routes.js";
import type {ChatStore} from "./chat-store.js";
import {collectionRoutes} from "./collection-routes.js";
import {IngestJobs} from "./ingest-jobs.js";
import {uploadRoutes} from "./upload-routes.js";
import {clientInfo} from "./client-address.js";
import {quote} from "./field-readers.js";
import {h2oGptRoutes} from "./h2ogpt-routes.js";
import {HttpError} from "./http-error.js";
import {LoginThrottle} from "./login-throttle.js";
import {modelAdminRoutes, type ModelAdminOptions} from "./model-admin-routes.js";
import type {ModelRegistry} from "./model-registry.js";
import {isLoopbackHost} from "./bind-policy.js";
import {tokenizePromptRoutes} from "./tokenize-prompt-route.js";
import {openAiRoutes} from "./openai-routes.js";
import type {RequestLimits} from "./request-limits.js";
import {corsForOrigins, hostGuard, originGuard, securityHeaders, simpleRequestGuard} from "./request-guards.js";
import type {ModelInfo} from "./served-model.js";
import type {SessionStore} from "./session-store.js";
import {toLoggedHttpError} from "./to-http-error.js";
import {uiRoutes} from "./ui-routes.js";

export interface AppOptions {
  readonly registry: ModelRegistry;
  /** Chats and login sessions: HistoryStore (SQLite) or PgHistoryStore (`--db_url`). */
  readonly store: ChatStore & SessionStore;
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
  /** Failed password and API key limits (login-throttle.ts has the defaults). */
  readonly loginThrottle?: LoginThrottle;
  /** `--trusted_proxies` (see parseTrustedProxies): peers whose X-Forwarded-For / X-Forwarded-Proto are believed. */
  readonly trustedProxies?: BlockList;
  /** `--secure_cookies`: mark the session cookie Secure even on plain http (TLS ends before the server). */
  readonly secureCookies?: boolean;
  /** Document collections; without them the collection routes answer 404. */
  readonly collections?: CollectionManager;
  readonly allowSharedChanges?: boolean;
  /** h2oGPT's --langchain_mode: the collection requests use when they name none (default LLM: no documents). */
  readonly defaultLangchainMode?: string;
  /** Background ingestion of uploads (the server waits for it when closing). */
  readonly ingestJobs?: IngestJobs;
  /** Largest upload in bytes (413 beyond). Default 100 MiB. */
  readonly maxUploadBytes?: number;
  /** Largest chat import in bytes (413 beyond). Default 32 MiB, or maxBodyBytes when larger. */
  readonly maxImportBytes?: number;
  /** The admins' Models API: where models may be loaded from and how (without it nothing can be loaded). */
  readonly modelAdmin?: ModelAdminOptions;
  /** `--score_model`: answers carry h2oGPT's score (the API results, the UI's `score` event). */
  readonly scorer?: AnswerScorer;
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

/**
 * The sampling settings a UI request that leaves them out gets from this model on this server: the serve flags
 * (engineModel's `defaults`) over h2oGPT's defaults, and the server's max_new_tokens. top_k 0 means no limit;
 * a server given no top_k samples with the engines' top_k 40 and, given no min_p either, min_p 0.05 (what
 * resolveSampling applies). do_sample says whether those settings sample (temperature > 0 and not forced greedy).
 */
export function generationDefaultsBody(info: ModelInfo, limits: RequestLimits): Record<string, number | boolean> {
  const d = info.defaults ?? {};
  const temperature = d.temperature ?? GENERATION_DEFAULTS.temperature;
  return {
    temperature,
    top_p: d.topP ?? GENERATION_DEFAULTS.topP,
    top_k: d.topK ?? DEFAULT_TOP_K,
    min_p: d.minP ?? (d.topK == null ? DEFAULT_MIN_P : 0),
    repetition_penalty: d.repetitionPenalty ?? GENERATION_DEFAULTS.repetitionPenalty,
    max_new_tokens: Math.min(limits.defaultMaxNewTokens, limits.maxNewTokensCap),
    do_sample: d.doSample !== false && temperature > 0
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
  app.notFound((c) => errorResponse(c, new HttpError(404, `no route ${c.req.method} ${quote(new URL(c.req.url).pathname)}`, {code: "not_found"})));

  app.use("*", securityHeaders());
  app.use("*", clientInfo(options.trustedProxies ?? new BlockList()));
  app.use("*", hostGuard({boundHost: options.boundHost, enabled: options.checkHostHeader}));
  app.use("*", corsForOrigins(options.corsOrigins ?? []));
  app.use("*", originGuard(options.corsOrigins ?? []));
  app.use("*", simpleRequestGuard());
  const requestBodyLimit = bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        // The unread rest of the body is still on the connection and Node drops the socket soon after; saying so
        // keeps a keep-alive client from sending its next request into a closing socket.
        throw new HttpError(413, `request body larger than ${options.maxBodyBytes} bytes`, {code: "body_too_large", headers: {Connection: "close"}});
      }
    });
  // Uploads and chat imports have their own, larger caps (upload-routes.ts, chat-routes.ts).
  app.use("*", (c, next) =>
    c.req.method === "POST" && ((c.req.path === "/api/documents" && options.collections != null) || c.req.path === "/api/chats/import") ? next() : requestBodyLimit(c, next)
  );

  // Public for load balancers; model names are only listed when the server is open anyway.
  app.get("/health", (c) => c.json(authRequired(access) ? {status: "ok"} : {status: "ok", models: registry.names}));
  // Without users or keys the one local user may manage models only when nobody else can reach the port.
  const gate: Gate = {access: {...access, localAdmin: isLoopbackHost(options.boundHost)}, store, throttle: options.loginThrottle ?? new LoginThrottle()};
  app.route("/auth", authRoutes({...gate, secureCookies: options.secureCookies ?? false}));

  const guard = requirePrincipal(gate);
  app.use("/v1/*", guard);
  app.use("/api/*", guard);
  const documents = {collections: options.collections, defaultLangchainMode: options.defaultLangchainMode, scorer: options.scorer};
  app.route("/v1", openAiRoutes({registry, limits, maxEmbeddingInputs: options.maxEmbeddingInputs, startedAt: options.startedAt, ...documents}));
  app.route("/api", h2oGptRoutes({registry, limits, ...documents}));
  app.route("/api/chats", chatRoutes({registry, store, limits, maxImportBytes: options.maxImportBytes ?? Math.max(MAX_IMPORT_BYTES, options.maxBodyBytes), ...documents}));
  app.route("/api", tokenizePromptRoutes({registry, store, limits}));
  app.route("/api/admin/models", modelAdminRoutes({registry, admin: options.modelAdmin ?? {modelsDir: ""}}));
  if (options.collections != null) {
    const allowSharedChanges = options.allowSharedChanges ?? true;
    app.route("/api/collections", collectionRoutes({collections: options.collections, allowSharedChanges}));
    const jobs = options.ingestJobs ?? new IngestJobs(options.collections);
    app.route("/api/documents", uploadRoutes({collections: options.collections, jobs, maxUploadBytes: options.maxUploadBytes ?? 100 * 1024 * 1024, allowSharedChanges}));
  }

  app.get("/api/info", (c) =>
    c.json({
      user: c.get("principal").user,
      admin: c.get("principal").admin,
      auth_required: authRequired(access),
      models: registry.all.map((entry) => ({
        ...modelInfoBody(entry.model.info),
        defaults: generationDefaultsBody(entry.model.info, limits),
        context: entry.model.info.contextLength,
        // The answer shares the context with the prompt, so even an empty prompt leaves context - 1.
        max_new_tokens_limit: Math.min(limits.maxNewTokensCap, entry.model.info.contextLength - 1)
      })),
      prompt_types: options.promptTypes,
      score_model: options.scorer != null,
      documents:
        options.collections == null
          ? null
          : {
              langchain_mode: options.defaultLangchainMode ?? "LLM",
              langchain_actions: ["Query", "Summarize", "Extract"],
              shared_writable: options.allowSharedChanges ?? true
            },
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
      signedIn: async (c) => {
        try {
          return (await principalOf(c, gate)) != null;
        } catch {
          return false;
        }
      }
    })
  );
  return app;
}
