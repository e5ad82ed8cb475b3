import {existsSync} from "node:fs";
import {UsageError} from "../errors/index.js";
import {DEFAULT_MODEL_NOTICE, defaultModelPath} from "./default-model.js";
import type {Engine} from "./engine-types.js";
import type {RetryPolicy} from "./http-request.js";
import type {LoraAdapter} from "./llama-cpp-engine.js";
import type {TokenCounter} from "./remote-engine.js";
import {resolveModel, type ResolveModelOptions} from "./resolve-model.js";

export interface CreateEngineOptions {
  /** A GGUF path for llama.cpp, or the model id for a remote server (h2oGPT's base_model / model_path_llama). */
  readonly baseModel?: string;
  /** h2oGPT's inference_server: `vllm:HOST:PORT`, `vllm_chat:HOST:PORT`, `http(s)://HOST:PORT`, `openai`, `openai_chat`. */
  readonly inferenceServer?: string;
  /** h2oGPT's max_seq_len. */
  readonly contextLength?: number;
  /** h2oGPT's n_threads (llama.cpp); defaults to 1. */
  readonly threads?: number;
  /** Generations at once: llama.cpp sequences (default 1) or remote requests (default 8). */
  readonly sequences?: number;
  /** llama.cpp's flash attention (LlamaCppEngineOptions.flashAttention says when it pays). */
  readonly flashAttention?: boolean;
  /** h2oGPT's lora_weights (llama.cpp only). */
  readonly loraAdapters?: readonly LoraAdapter[];
  /** A tokenizer (path or loaded) for counting tokens of a remote model. */
  readonly tokenizer?: string | TokenCounter;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly env?: NodeJS.ProcessEnv;
  /** Where to look for a shipped model when neither baseModel nor inferenceServer is given (tests). */
  readonly modelsDir?: string;
  /**
   * How a remote baseModel or LoRA adapter (`hf:OWNER/REPO:QUANT`, `hf:OWNER/REPO/FILE.gguf`, an https URL) is
   * fetched into the models cache (resolveModel's options: cache folder, offline, progress, signal).
   */
  readonly download?: Omit<ResolveModelOptions, "model">;
}

/** llama.cpp for a GGUF file, the remote engine for --inference_server; loaded lazily so each path pays only for itself. */
export async function createEngine(options: CreateEngineOptions): Promise<Engine> {
  if (options.inferenceServer != null && options.inferenceServer !== "") {
    if (options.loraAdapters?.length) throw new UsageError("--lora_weights applies to llama.cpp models, not to --inference_server");
    if (options.flashAttention != null) throw new UsageError("--flash_attention applies to llama.cpp models, not to --inference_server");
    const {RemoteEngine} = await import("./remote-engine.js");
    const tokenizer =
      typeof options.tokenizer === "string" ? await (await import("../tokenizer/index.js")).loadTokenizer(options.tokenizer) : options.tokenizer;
    return RemoteEngine.connect({
      inferenceServer: options.inferenceServer,
      model: options.baseModel,
      contextLength: options.contextLength,
      tokenizer,
      concurrency: options.sequences,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      env: options.env
    });
  }
  const builtIn = !options.baseModel;
  // resolveModel also converts a local Hugging Face folder (once, into the models cache), as the CLI does.
  const local = async (model: string): Promise<string> => (await resolveModel({env: options.env, ...options.download, model})).path;
  const modelPath = options.baseModel ? await local(options.baseModel) : defaultModelPath(options.modelsDir);
  const loraAdapters =
    options.loraAdapters == null ? undefined : await Promise.all(options.loraAdapters.map(async (adapter) => ({...adapter, path: await local(adapter.path)})));
  if (modelPath == null)
    throw new UsageError("no model: give --base_model=MODEL.gguf (a llama.cpp GGUF file) or --inference_server=vllm:HOST:PORT");
  if (!/\.gguf$/i.test(modelPath) && !existsSync(modelPath))
    throw new UsageError(`--base_model=${modelPath}: h2ogpt-ts runs GGUF files locally; give a .gguf path, or --inference_server for a served model`);
  const {LlamaCppEngine} = await import("./llama-cpp-engine.js");
  return LlamaCppEngine.load({
    modelPath,
    contextLength: options.contextLength,
    threads: options.threads,
    sequences: options.sequences,
    flashAttention: options.flashAttention,
    loraAdapters,
    notice: builtIn ? DEFAULT_MODEL_NOTICE : undefined
  });
}
