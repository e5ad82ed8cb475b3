import {randomInt} from "node:crypto";
import {basename} from "node:path";
import type {LlamaContext, LlamaEmbeddingContext, LlamaModel, Token} from "node-llama-cpp";
import {ContextOverflowError, NotSupportedError, UsageError} from "../errors/index.js";
import {PROMPT_TYPE_KEY, ggufMetadataValue, readGguf, type GgufFile} from "../gguf/index.js";
import {EngineClosedError, ModelLoadError} from "./engine-errors.js";
import type {EmbeddingResult, Engine, EngineGenerateOptions, EngineGeneration, EngineInfo, EngineResult, StopReason} from "./engine-types.js";
import {IncrementalDetokenizer} from "./incremental-detokenizer.js";
import {llamaRuntime} from "./llama-runtime.js";
import {ReleasedText} from "./released-text.js";
import {FLASH_ATTENTION_MAX_CONTEXT} from "./flash-attention-default.js";
import {checkGenerateOptions, resolveSampling, type ResolvedSampling} from "./sampling-options.js";
import {BatchDecoder, type DecodeJob} from "./batch-decoder.js";
import {contextBinding, createSampler, type SamplerConfig} from "./llama-binding.js";
import {startGeneration, type GenerationIo} from "./start-generation.js";

export interface LoraAdapter {
  readonly path: string;
  /** Defaults to 1. */
  readonly scale?: number;
}

export interface LlamaCppEngineOptions {
  readonly modelPath: string;
  /** h2oGPT's max_seq_len; defaults to the context the model was trained with. */
  readonly contextLength?: number;
  /** h2oGPT's n_threads; defaults to 1 (generation on a 2-core machine is fastest with one thread). */
  readonly threads?: number;
  /** Generations that run at once, batched into one decode. Defaults to 1. */
  readonly sequences?: number;
  readonly batchSize?: number;
  /**
   * llama.cpp's flash attention. Defaults to on when a sequence holds at most {@link FLASH_ATTENTION_MAX_CONTEXT}
   * tokens, else off: on the CPU its kernel costs the same per (query, cached token) pair however many queries a
   * decode holds, so evaluating a few new tokens after a long history slows with the history (30M bench model, a
   * follow-up turn's 12 new tokens: with it 14, 25-33 and 39-42 ms at 550, 1,060 and 1,590 cached tokens, without it
   * 5, 6 and 7.5 ms), while decoding short sequences is faster with it (8 sequences under 112 tokens: 30M model
   * 1.25x, built-in model 1.85x) and equal around 200-560 tokens.
   */
  readonly flashAttention?: boolean;
  /** LoRA adapters (GGUF) applied when the context is created, as h2oGPT's lora_weights. */
  readonly loraAdapters?: readonly LoraAdapter[];
  /** Shown to users (engine info), e.g. that this is the built-in demonstration model. */
  readonly notice?: string;
}

/**
 * Texts whose tokens are remembered: the generate stage counts a prompt's tokens for the context budget, then the
 * same prompt is evaluated, and llama.cpp's BPE tokenizer takes milliseconds for a long chat history.
 */
const TOKEN_CACHE_SIZE = 32;

/** The window of recent tokens the repetition penalty looks at (llama.cpp's repeat_last_n default). */
const REPEAT_LAST_N = 64;

/** llama.cpp's sampler settings for a request; penalties over the last {@link REPEAT_LAST_N} tokens when any is set. */
function samplerConfig(sampling: ResolvedSampling, logitBias: ReadonlyMap<number, number> | undefined): SamplerConfig {
  const penalties =
    sampling.repetitionPenalty === 1 && sampling.presencePenalty === 0 && sampling.frequencyPenalty === 0
      ? {}
      : {
          repeatPenalty: sampling.repetitionPenalty,
          repeatPenaltyMaxTokens: REPEAT_LAST_N,
          repeatPenaltyPresencePenalty: sampling.presencePenalty,
          repeatPenaltyFrequencyPenalty: sampling.frequencyPenalty
        };
  const bias =
    logitBias == null || logitBias.size === 0
      ? {}
      : {tokenBiasKeys: Uint32Array.from(logitBias.keys()), tokenBiasValues: Float32Array.from(logitBias.values())};
  return {temperature: sampling.temperature, topK: sampling.topK, topP: sampling.topP, minP: sampling.minP, seed: sampling.seed ?? 0, ...penalties, ...bias};
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

async function checkedGguf(path: string, what: string): Promise<GgufFile> {
  const file = await readGguf(path);
  // The first file of a split model (gguf-split) may hold metadata only; llama.cpp loads the rest itself.
  const split = Number(ggufMetadataValue(file, "split.count") ?? 1) > 1;
  if (file.tensors.length === 0 && !split) throw new ModelLoadError(path, `has no tensors (a vocabulary-only GGUF cannot be used as a ${what})`);
  return file;
}

/**
 * llama.cpp in process through node-llama-cpp: our rendered prompt is completed as raw text (no chat wrapper),
 * concurrent requests run as sequences of one context, decoded together step by step ({@link BatchDecoder}), and
 * stop strings, min/max tokens, max_time and aborts are handled token by token.
 */
export class LlamaCppEngine implements Engine {
  private readonly running = new Map<AbortController, Promise<unknown>>();
  private readonly decoder: BatchDecoder;
  private readonly tokenCache = new Map<string, readonly Token[]>();
  private embeddingContext: Promise<LlamaEmbeddingContext> | undefined;
  private endOfGeneration: readonly number[] | undefined;
  private closed = false;

  private constructor(
    readonly info: EngineInfo,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly threads: number,
    private readonly vocabularySize: number | undefined
  ) {
    this.decoder = new BatchDecoder({binding: contextBinding(context), sequences: info.sequences, batchSize: context.batchSize, createSampler: () => createSampler(model)});
  }

  static async load(options: LlamaCppEngineOptions): Promise<LlamaCppEngine> {
    const {modelPath, threads = 1, sequences = 1} = options;
    const gguf = await checkedGguf(modelPath, "model");
    const adapters: GgufFile[] = [];
    for (const adapter of options.loraAdapters ?? []) adapters.push(await checkedGguf(adapter.path, "LoRA adapter"));
    // An adapter from h2ogpt finetune records the prompt type it was trained with, which the base's metadata cannot.
    const trainedPromptType = adapters.map((file) => file.metadata[PROMPT_TYPE_KEY]).filter((value) => value != null).at(-1);
    const llama = await llamaRuntime();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({modelPath});
    } catch (error) {
      throw new ModelLoadError(modelPath, `llama.cpp cannot load it (${describe(error)})`, {cause: error});
    }
    const contextLength = options.contextLength ?? model.trainContextSize;
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize: contextLength,
        sequences,
        threads,
        batchSize: options.batchSize,
        flashAttention: options.flashAttention ?? contextLength <= FLASH_ATTENTION_MAX_CONTEXT,
        lora: options.loraAdapters?.length
          ? {adapters: options.loraAdapters.map((a) => ({filePath: a.path, scale: a.scale ?? 1}))}
          : undefined
      });
    } catch (error) {
      await model.dispose();
      const adapter = /LoRA adapter "([^"]+)"/.exec(describe(error))?.[1];
      if (adapter != null) throw new ModelLoadError(adapter, `llama.cpp cannot apply this LoRA adapter to ${modelPath} (${describe(error)})`, {cause: error});
      throw new ModelLoadError(modelPath, `cannot create a ${contextLength}-token context with ${sequences} sequence(s) (${describe(error)}); a smaller --max_seq_len needs less memory`, {cause: error});
    }
    const text = (key: string): string | undefined => {
      const value = ggufMetadataValue(gguf, key);
      return typeof value === "string" ? value : undefined;
    };
    const tokenText = (token: Token | null): string | undefined => (token == null ? undefined : model.detokenize([token], true));
    const info: EngineInfo = {
      kind: "llama.cpp",
      name: text("general.name") ?? basename(modelPath).replace(/\.gguf$/i, ""),
      contextLength: Math.min(contextLength, context.contextSize),
      trainContextLength: model.trainContextSize,
      sequences,
      embeddings: true,
      promptFormat: "raw",
      tokenCounting: "exact",
      modelPath,
      ggufMetadata: trainedPromptType == null ? gguf.metadata : {...gguf.metadata, [PROMPT_TYPE_KEY]: trainedPromptType},
      chatTemplate: text("tokenizer.chat_template"),
      bosToken: tokenText(model.tokens.bos),
      eosToken: tokenText(model.tokens.eos),
      notice: options.notice,
      binary: llama.buildType === "localBuild" ? "native" : "prebuilt",
      flashAttention: context.flashAttention === true
    };
    const vocabulary = ggufMetadataValue(gguf, "tokenizer.ggml.tokens");
    return new LlamaCppEngine(info, model, context, threads, Array.isArray(vocabulary) ? vocabulary.length : undefined);
  }

  /**
   * The prompt's tokens as they are evaluated: special-token text parsed, BOS added where the model wants it.
   * Read-only: the array may be shared through the cache.
   */
  private promptTokens(text: string): readonly Token[] {
    const cached = this.tokenCache.get(text);
    if (cached != null) {
      // Most recently used last, so the first key is the one to evict.
      this.tokenCache.delete(text);
      this.tokenCache.set(text, cached);
      return cached;
    }
    const tokens = this.model.tokenize(text, true);
    const bos = this.model.tokens.bos;
    if (this.model.tokens.shouldPrependBosToken && bos != null && tokens[0] !== bos) tokens.unshift(bos);
    this.tokenCache.set(text, tokens);
    if (this.tokenCache.size > TOKEN_CACHE_SIZE) this.tokenCache.delete(this.tokenCache.keys().next().value!);
    return tokens;
  }

  /** The vocabulary's end-of-generation tokens (EOS, EOT and the like), found once. */
  private endOfGenerationTokens(): readonly number[] {
    if (this.endOfGeneration == null) {
      const size = this.vocabularySize ?? 0;
      const found: number[] = [];
      for (let token = 0; token < size; token++) if (this.model.isEogToken(token as Token)) found.push(token);
      // A GGUF without a token list still names its end tokens.
      if (size === 0) for (const token of [this.model.tokens.eos, this.model.tokens.eot]) if (token != null) found.push(token);
      this.endOfGeneration = found;
    }
    return this.endOfGeneration;
  }

  async tokenize(text: string): Promise<number[]> {
    this.ensureOpen();
    return [...this.promptTokens(text)];
  }

  async countTokens(text: string): Promise<number> {
    this.ensureOpen();
    return this.promptTokens(text).length;
  }

  generate(options: EngineGenerateOptions): EngineGeneration {
    this.ensureOpen();
    checkGenerateOptions(options);
    this.checkLogitBias(options.logitBias);
    // Seeded by the clock, requests started together would sample alike (n choices of one request the same
    // answer): each unseeded request gets its own seed.
    const seeded = options.seed == null ? {...options, seed: randomInt(2 ** 32)} : options;
    return startGeneration(options.signal, (io) => this.run(seeded, io));
  }

  /** llama.cpp would read past its logits for a token outside the vocabulary. */
  private checkLogitBias(logitBias: ReadonlyMap<number, number> | undefined): void {
    for (const token of logitBias?.keys() ?? []) {
      if (this.vocabularySize != null && token >= this.vocabularySize)
        throw new UsageError(`logit_bias: token ${token} is not in the model's vocabulary (${this.vocabularySize} tokens)`);
    }
  }

  generateChat(): EngineGeneration {
    throw new NotSupportedError("llama.cpp completes rendered prompts; chat messages are rendered by the generate stage");
  }

  private async run(options: EngineGenerateOptions, io: GenerationIo): Promise<EngineResult> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    io.signal.addEventListener("abort", onAbort, {once: true});
    if (io.signal.aborted) controller.abort();
    const running = this.runOnSequence(options, io.emit, controller.signal);
    this.running.set(controller, running);
    try {
      return await running;
    } finally {
      io.signal.removeEventListener("abort", onAbort);
      this.running.delete(controller);
    }
  }

  private async runOnSequence(options: EngineGenerateOptions, emit: (text: string) => void, signal: AbortSignal): Promise<EngineResult> {
    const started = performance.now();
    const deadline = options.maxTime == null ? Infinity : started + options.maxTime * 1000;
    const prompt = this.promptTokens(options.prompt);
    const nCtx = this.info.contextLength;
    if (prompt.length >= nCtx) throw new ContextOverflowError(prompt.length, nCtx, "no room for a new token");
    const maxNew = Math.min(options.maxNewTokens, nCtx - prompt.length);
    if (maxNew <= 0) return {text: "", promptTokens: prompt.length, completionTokens: 0, stopReason: "length"};

    const sampling = resolveSampling(options);
    const minNew = Math.min(options.minNewTokens ?? 0, maxNew);
    const config = samplerConfig(sampling, options.logitBias);
    const penalised = config.repeatPenaltyMaxTokens != null;
    const history: number[] = penalised ? prompt.slice(-REPEAT_LAST_N) : [];
    // min_new_tokens as HF's MinNewTokensLengthLogitsProcessor: end-of-generation tokens get -inf until then.
    const held = minNew > 0 ? samplerConfig(sampling, new Map([...(options.logitBias ?? []), ...this.endOfGenerationTokens().map((t) => [t, -Infinity] as const)])) : config;
    const detokenizer = new IncrementalDetokenizer(this.model, prompt, options.stop ?? []);
    let unsent = "";
    const flush = (): void => {
      if (unsent === "") return;
      const text = unsent;
      unsent = "";
      emit(text);
    };
    const output = new ReleasedText(options.stop ?? [], (text) => (unsent += text));
    let completionTokens = 0;
    let stopReason: StopReason | undefined;
    const end = (reason: StopReason): undefined => void (stopReason = reason);

    const job: DecodeJob = {
      prompt,
      signal,
      sampler: () => {
        const base = completionTokens < minNew ? held : config;
        return penalised ? {...base, repeatPenaltyTokens: Uint32Array.from(history)} : base;
      },
      accept: (token) => {
        if (this.model.isEogToken(token as Token)) return end("eos");
        completionTokens++;
        if (penalised) {
          history.push(token);
          if (history.length > REPEAT_LAST_N) history.shift();
        }
        if (output.push(detokenizer.push(token as Token))) return end("stop");
        if (completionTokens >= maxNew) return end("length");
        if (signal.aborted) return end("abort");
        if (performance.now() >= deadline) return end("time");
        return token;
      },
      // Held until the next decode is queued, the client's write runs while it decodes instead of before.
      dispatched: flush
    };
    let cachedTokens: number;
    try {
      ({cachedTokens} = await this.decoder.run(job));
    } finally {
      // Text already released reaches the client before a failed decode's error does.
      flush();
    }
    // Ended from outside: aborted while waiting, evaluating the prompt or between two tokens.
    stopReason ??= "abort";
    if (stopReason !== "stop") {
      if (output.push(detokenizer.flush())) stopReason = "stop";
      else output.flush();
    }
    flush();
    const {text, stopString} = output;
    return {text, promptTokens: prompt.length, completionTokens, stopReason, cachedTokens, ...(stopString == null ? {} : {stopString})};
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<EmbeddingResult> {
    this.ensureOpen();
    const contextSize = Math.min(this.info.contextLength, 8192);
    this.embeddingContext ??= this.model.createEmbeddingContext({contextSize, threads: this.threads});
    const context = await this.embeddingContext;
    const vectors: number[][] = [];
    let promptTokens = 0;
    for (const text of texts) {
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      const tokens = this.promptTokens(text);
      if (tokens.length > contextSize) throw new ContextOverflowError(tokens.length, contextSize, "text too long to embed");
      promptTokens += tokens.length;
      vectors.push(Array.from((await context.getEmbeddingFor([...tokens])).vector));
    }
    return {vectors, promptTokens};
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.running.keys()) controller.abort();
    await Promise.allSettled(this.running.values());
    await this.decoder.close();
    if (this.embeddingContext != null) await (await this.embeddingContext).dispose();
    await this.context.dispose();
    await this.model.dispose();
  }

  private ensureOpen(): void {
    if (this.closed) throw new EngineClosedError();
  }
}
