import type {Server} from "node:http";
import type {AddressInfo} from "node:net";
import {serve} from "@hono/node-server";
import type {CollectionManager} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import {readUiAssets} from "../ui/index.js";
import {authRequired, type AccessConfig} from "./access-control.js";
import {loadApiKeys, type ApiKey} from "./api-keys.js";
import {loadAuthFile} from "./auth-file.js";
import {checkBindPolicy, isLoopbackHost} from "./bind-policy.js";
import {parseTrustedProxies} from "./client-address.js";
import {createApp} from "./create-app.js";
import {AnswerScorer} from "./answer-scorer.js";
import type {ScoreModel} from "../score/index.js";
import type {PgDatabase} from "../db/index.js";
import type {ChatStore} from "./chat-store.js";
import {HistoryStore} from "./history-store.js";
import {IngestJobs} from "./ingest-jobs.js";
import {LoginThrottle} from "./login-throttle.js";
import type {ModelAdminOptions} from "./model-admin-routes.js";
import {ModelRegistry} from "./model-registry.js";
import {PgHistoryStore} from "./pg-history-store.js";
import {PgThrottleStore} from "./pg-throttle-store.js";
import {PgUserStore} from "./pg-user-store.js";
import type {ServedModel} from "./served-model.js";
import type {SessionStore} from "./session-store.js";
import {MemoryUserStore, type SeedSummary, type UserStore} from "./user-store.js";

export interface ServerOptions {
  /** The models to serve (h2oGPT's model_lock); the server closes them when it closes. */
  readonly models: readonly ServedModel[];
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 7860; 0 picks a free port. */
  readonly port?: number;
  /** `--auth`: a users file (h2oGPT's auth.json form accepted; plain passwords are hashed in place). */
  readonly authFile?: string;
  /** `--api_keys`: a file with one key per line. */
  readonly apiKeysFile?: string;
  /** H2OGPT_API_KEYS: comma-separated keys. */
  readonly apiKeysEnv?: string;
  /**
   * With `database`: remove the users (keys) the database holds that `authFile` (the keys) do not list. By default
   * the files only add and update.
   */
  readonly pruneUsers?: boolean;
  /** Allow a non-loopback bind without users or keys. */
  readonly allowInsecurePublic?: boolean;
  /** SQLite file for chats and sessions. Default `h2ogpt_history.db` in the working directory. */
  readonly historyDb?: string;
  /**
   * `--db_url`: the PostgreSQL database replicas share (chats, sessions, login-throttle counters); `historyDb` is then
   * unused. The server closes it when it closes. Document collections take it through `collections`.
   */
  readonly database?: PgDatabase;
  /** Generations at once per model. Default: the engine's sequences. */
  readonly concurrency?: number;
  /** Requests waiting per model before 429. Default 4 x concurrency. */
  readonly maxQueue?: number;
  /** Request body cap in bytes (413 beyond). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** The largest max_new_tokens a request may ask for (`--max_max_new_tokens`). Default 4096. */
  readonly maxNewTokensCap?: number;
  /** max_new_tokens when a request gives none (h2oGPT's default 1024). */
  readonly defaultMaxNewTokens?: number;
  /** Login session lifetime. Default 7 days. */
  readonly sessionTtlMs?: number;
  /** Prompt type names offered in the UI's expert panel. */
  readonly promptTypes?: readonly string[];
  /** Web origins (`https://app.example`) allowed to call the API from a browser; bearer keys only, no cookies. */
  readonly corsOrigins?: readonly string[];
  /** Proxies (addresses or CIDR blocks) whose X-Forwarded-For and X-Forwarded-Proto are believed. */
  readonly trustedProxies?: readonly string[];
  /** Mark the session cookie Secure even when requests arrive over plain http. */
  readonly secureCookies?: boolean;
  /** Document collections (h2oGPT's langchain_mode); the server closes the manager when it closes. */
  readonly collections?: CollectionManager;
  /** Whether users may upload to, delete from or purge shared collections over HTTP (h2oGPT's allow_upload_to_user_data). */
  readonly allowSharedChanges?: boolean;
  /** Largest document upload in bytes. Default 100 MiB. */
  readonly maxUploadBytes?: number;
  /** h2oGPT's --langchain_mode: the collection requests answer from when they name none. Default LLM (none). */
  readonly defaultLangchainMode?: string;
  /** Where the built UI is; default the package's `dist/ui/static`. */
  readonly uiDir?: string;
  /** The admins' Models API: `--models_dir` and how to load a file from it with the serve flags. */
  readonly modelAdmin?: ModelAdminOptions;
  /** `--score_model`: scores every answer (h2oGPT's Response Score); the server disposes it when it closes. */
  readonly scoreModel?: ScoreModel;
}

export interface RunningServer {
  /** `http://host:port` as a client should use it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly registry: ModelRegistry;
  /** Usernames whose plain password was hashed into the auth file at start. */
  readonly hashedOnLoad: readonly string[];
  /** What the files changed in the user store (with `database`, the shared one). */
  readonly seeded: SeedSummary;
  /** Stops listening, ends open streams (aborting their generations), closes the models and the database. */
  close(): Promise<void>;
}

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 7860;

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === "EADDRINUSE"
          ? new UsageError(`port ${port} on ${host} is already in use (choose another with --port)`)
          : error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND"
            ? new UsageError(`cannot listen on ${host}: no such local address (--host)`)
            : new UsageError(`cannot listen on ${host} port ${port}: ${error.message}`, {cause: error})
      );
    };
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Loads users and keys, refuses an unsafe bind, opens the history database and starts listening. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0-65535, got ${port}`);

  const apiKeys: ApiKey[] = loadApiKeys({file: options.apiKeysFile, env: options.apiKeysEnv});
  const trustedProxies = parseTrustedProxies(options.trustedProxies ?? []);
  const auth = options.authFile == null ? undefined : await loadAuthFile(options.authFile);
  // The files seed the store; with --db_url a replica given none still knows every user and key in the database.
  const users: UserStore = options.database == null ? new MemoryUserStore() : new PgUserStore(options.database);
  const seeded = await users.seed({
    users: auth == null ? undefined : [...auth.users.values()],
    apiKeys: options.apiKeysFile != null || apiKeys.length > 0 ? apiKeys : undefined,
    prune: options.pruneUsers
  });
  const counts = await users.counts();
  checkBindPolicy({host, hasUsers: counts.users > 0, hasApiKeys: counts.apiKeys > 0, allowInsecurePublic: options.allowInsecurePublic ?? false});
  const access: AccessConfig = {users, passwordLogin: counts.users > 0, keyLogin: counts.apiKeys > 0, sessionTtlMs: options.sessionTtlMs ?? 7 * 24 * 3600_000};

  const registry = new ModelRegistry(options.models, {concurrency: options.concurrency, maxQueue: options.maxQueue});
  const store: ChatStore & SessionStore & {close(): void} =
    options.database == null ? HistoryStore.open(options.historyDb ?? "h2ogpt_history.db") : await PgHistoryStore.open(options.database);
  const closeStores = async (): Promise<void> => {
    store.close();
    await options.database?.close();
  };
  const principals = await users.principalNames();
  await store.pruneSessions((user) => principals.has(user) || !authRequired(access));

  const ingestJobs = options.collections == null ? undefined : new IngestJobs(options.collections);
  const scorer = options.scoreModel == null ? undefined : new AnswerScorer(options.scoreModel);
  const app = createApp({
    registry,
    store,
    access,
    loginThrottle: options.database == null ? undefined : new LoginThrottle({store: new PgThrottleStore(options.database)}),
    limits: {
      maxNewTokensCap: options.maxNewTokensCap ?? 4096,
      defaultMaxNewTokens: options.defaultMaxNewTokens ?? 1024,
      maxChoices: 8
    },
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    maxEmbeddingInputs: 256,
    boundHost: host,
    checkHostHeader: !authRequired(access) && isLoopbackHost(host),
    assets: readUiAssets(options.uiDir),
    promptTypes: options.promptTypes ?? [],
    corsOrigins: options.corsOrigins,
    trustedProxies,
    secureCookies: options.secureCookies,
    collections: options.collections,
    allowSharedChanges: options.allowSharedChanges ?? true,
    ingestJobs,
    maxUploadBytes: options.maxUploadBytes,
    modelAdmin: options.modelAdmin,
    defaultLangchainMode: options.defaultLangchainMode,
    scorer,
    startedAt: Date.now()
  });

  const server = serve({fetch: app.fetch, hostname: host, port}) as Server;
  try {
    await listen(server, host, port);
  } catch (error) {
    server.close();
    await options.collections?.close();
    await scorer?.close();
    await closeStores();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host,
    port: address.port,
    registry,
    hashedOnLoad: auth?.hashedOnLoad ?? [],
    seeded,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await registry.close();
        await options.collections?.close();
        await scorer?.close();
        await closeStores();
      })())
  };
}
