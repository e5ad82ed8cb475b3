/**
 * `h2ogpt serve`: an OpenAI-compatible API (`/v1`), h2oGPT-style generation (`/api/generate`), the web chat UI
 * with per-user history in SQLite, users (`--auth`) and API keys, and limits (body size, max_new_tokens,
 * concurrency with a bounded queue).
 */
export {startServer, DEFAULT_HOST, DEFAULT_PORT, type RunningServer, type ServerOptions} from "./start-server.js";
export {checkBindPolicy, isLoopbackHost, InsecureBindError} from "./bind-policy.js";
export {parseTrustedProxies} from "./client-address.js";
export {LOCAL_USER} from "./access-control.js";
export {loadAuthFile, type AuthUser, type LoadedAuthFile} from "./auth-file.js";
export {loadApiKeys, type ApiKey} from "./api-keys.js";
export {hashPassword, verifyPassword} from "./password-hash.js";
export {HttpError, QueueFullError} from "./http-error.js";
export {engineModel, type EngineModelOptions} from "./engine-model.js";
export {listModelFiles, type ModelAdminOptions, type ModelFile, type ModelLoadRequest} from "./model-admin-routes.js";
export {makeHistoryDbFolder, type AnswerMeta, type MessageRole, type MessageStatus} from "./history-store.js";
export type {ChatStore} from "./chat-store.js";
export type {SessionStore} from "./session-store.js";
export {MemoryThrottleStore, type ThrottleStore} from "./throttle-store.js";
export {PgHistoryStore} from "./pg-history-store.js";
export {PgThrottleStore} from "./pg-throttle-store.js";
export {MemoryUserStore, KEY_USE_INTERVAL_MS, type ApiKeyRecord, type SeedOptions, type SeedSummary, type UserRecord, type UserStore} from "./user-store.js";
export {PgUserStore} from "./pg-user-store.js";
export type {
  ChatInput,
  ChatMessage,
  ChatRequest,
  CompletionRequest,
  EmbeddingResult,
  GenerationOutcome,
  GenerationParams,
  GenerationRun,
  ModelInfo,
  ServedModel
} from "./served-model.js";
