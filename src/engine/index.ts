/** Engines: llama.cpp in process (node-llama-cpp) or an OpenAI-compatible server, behind one interface. */
export type {
  ChatMessage,
  EmbeddingResult,
  Engine,
  EngineGenerateOptions,
  EngineGeneration,
  EngineInfo,
  EngineResult,
  StopReason,
  TokenCounting
} from "./engine-types.js";
export {createEngine, type CreateEngineOptions} from "./create-engine.js";
export {DEFAULT_MODEL_NOTICE, defaultModelPath} from "./default-model.js";
export {FLASH_ATTENTION_MAX_CONTEXT} from "./flash-attention-default.js";
export {llamaRuntime, PREBUILT_BINARY_NOTICE} from "./llama-runtime.js";
export {EngineClosedError, ModelDownloadError, ModelLoadError, ModelNotFoundError, RemoteServerError} from "./engine-errors.js";
export {
  DEFAULT_MODELS_DIR,
  isOfflineMode,
  isRemoteModel,
  modelsDirectory,
  quantizationsOf,
  readCacheRecord,
  removeCachedModel,
  resolveModel,
  type CachedModelRecord,
  type DownloadProgress,
  type ResolvedModel,
  type ResolveModelOptions
} from "./resolve-model.js";
export {parseInferenceServer, type InferenceServer, type ServerKind} from "./inference-server.js";
export type {RetryPolicy} from "./http-request.js";
export type {LlamaCppEngineOptions, LoraAdapter} from "./llama-cpp-engine.js";
export type {RemoteEngineOptions, TokenCounter} from "./remote-engine.js";
export {resolveSampling, checkGenerateOptions, DEFAULT_MIN_P, DEFAULT_TOP_K, LOGIT_BIAS_KEY, MAX_LOGIT_BIAS, type ResolvedSampling} from "./sampling-options.js";
export {StopStringMatcher} from "./stop-string-matcher.js";
export {TextChannel} from "./text-channel.js";
export {serverSentData} from "./server-sent-events.js";
export {startGeneration, type GenerationIo} from "./start-generation.js";
