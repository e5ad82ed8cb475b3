import type {UsageMetadata} from "@langchain/core/messages";
import {createEngine, LOGIT_BIAS_KEY, type CreateEngineOptions, type Engine} from "../engine/index.js";
import {generateStream, type GenerateInput, type GenerateResult, type GenerateStream, type GenerationParams} from "../generate/index.js";
import {UsageError} from "../errors/index.js";
import type {ChatTemplate, PromptDict} from "../prompts/index.js";

/**
 * What ChatH2oGpt and H2oGpt are built from: an engine the caller already has (shared with the CLI, a server or
 * other LangChain components), or the options `createEngine` takes (no model = the built-in model); and the
 * generation defaults every call starts from, under the library's camelCase names.
 */
export interface H2oGptModelOptions extends CreateEngineOptions, Omit<GenerationParams, "numBeams" | "numReturnSequences"> {
  /** An engine that is already loaded; it stays the caller's (close() leaves it open). */
  readonly engine?: Engine;
  /** h2oGPT's prompt_type: name, number, or unset/'' to detect it from the model (else its chat template, else plain). */
  readonly promptType?: string | number;
  readonly promptDict?: PromptDict;
  /** `auto` (default) = the prompt type's own, `''` = none, or the text. A system message in the chat overrides it. */
  readonly systemPrompt?: string | null;
  readonly chatTemplate?: ChatTemplate;
}

/** Per-call options under h2oGPT's own (snake_case) names, as the CLI and the HTTP APIs take them. */
export interface H2oGptCallFields {
  readonly max_new_tokens?: number;
  readonly min_new_tokens?: number;
  readonly temperature?: number;
  readonly top_k?: number;
  readonly top_p?: number;
  readonly min_p?: number;
  readonly repetition_penalty?: number;
  readonly presence_penalty?: number;
  readonly frequency_penalty?: number;
  /** Token id (a string, as OpenAI's JSON writes it, or a Map's number) to the number added to its logit. */
  readonly logit_bias?: Readonly<Record<string, number>> | ReadonlyMap<number, number>;
  /** Seconds. */
  readonly max_time?: number;
  readonly seed?: number;
  readonly do_sample?: boolean;
  readonly prompt_type?: string | number;
  readonly prompt_dict?: PromptDict;
  readonly system_prompt?: string | null;
  readonly min_max_new_tokens?: number;
  readonly truncation?: "error" | "left";
}

/** The call option keys this integration reads (besides LangChain's own `stop` and `signal`). */
export const H2OGPT_CALL_KEYS: readonly (keyof H2oGptCallFields)[] = [
  "max_new_tokens",
  "min_new_tokens",
  "temperature",
  "top_k",
  "top_p",
  "min_p",
  "repetition_penalty",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "max_time",
  "seed",
  "do_sample",
  "prompt_type",
  "prompt_dict",
  "system_prompt",
  "min_max_new_tokens",
  "truncation"
];

const ENGINE_KEYS = [
  "baseModel",
  "inferenceServer",
  "contextLength",
  "threads",
  "sequences",
  "loraAdapters",
  "tokenizer",
  "timeoutMs",
  "retry",
  "env",
  "modelsDir"
] as const satisfies readonly (keyof CreateEngineOptions)[];

const GENERATION_KEYS = [
  "promptType",
  "promptDict",
  "systemPrompt",
  "chatTemplate",
  "maxNewTokens",
  "minNewTokens",
  "temperature",
  "topP",
  "topK",
  "minP",
  "repetitionPenalty",
  "presencePenalty",
  "frequencyPenalty",
  "logitBias",
  "maxTime",
  "seed",
  "doSample",
  "stop",
  "minMaxNewTokens",
  "truncation"
] as const satisfies readonly (keyof H2oGptModelOptions)[];

type GenerationDefaults = Pick<H2oGptModelOptions, (typeof GENERATION_KEYS)[number]>;

/** Splits a constructor's options into ours (engine, generation defaults) and LangChain's (callbacks, tags, ...). */
export function splitModelOptions<T extends H2oGptModelOptions>(
  options: T
): {engine: EngineSource; defaults: GenerationDefaults; rest: Omit<T, keyof H2oGptModelOptions>} {
  const rest: Record<string, unknown> = {...(options as Record<string, unknown>)};
  const createOptions: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  for (const key of ENGINE_KEYS) {
    if (options[key] !== undefined) createOptions[key] = options[key];
    delete rest[key];
  }
  for (const key of GENERATION_KEYS) {
    if (options[key] !== undefined) defaults[key] = options[key];
    delete rest[key];
  }
  delete rest.engine;
  return {
    engine: new EngineSource(options.engine, createOptions as CreateEngineOptions),
    defaults: defaults as GenerationDefaults,
    rest: rest as Omit<T, keyof H2oGptModelOptions>
  };
}

/**
 * The engine behind a LangChain component: the one it was given (never closed here), or one created on first use
 * from createEngine's options and closed by close().
 */
export class EngineSource {
  private loading: Promise<Engine> | undefined;

  constructor(
    private readonly given: Engine | undefined,
    private readonly createOptions: CreateEngineOptions
  ) {}

  get(): Promise<Engine> {
    if (this.given != null) return Promise.resolve(this.given);
    if (this.loading == null) {
      this.loading = createEngine(this.createOptions);
      // A failed load (a wrong path) is retried by the next call rather than remembered.
      this.loading.catch(() => (this.loading = undefined));
    }
    return this.loading;
  }

  /** Closes the engine this source created; a given engine stays open for its owner. */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (this.given == null && loading != null) await (await loading.catch(() => undefined))?.close();
  }

  /** Which model, for LangChain's tracing (invocation_params). */
  describe(): Record<string, string> {
    if (this.given != null) return {model_name: this.given.info.name};
    const {baseModel, inferenceServer} = this.createOptions;
    return {base_model: baseModel || "(built-in)", ...(inferenceServer ? {inference_server: inferenceServer} : {})};
  }
}

/**
 * logit_bias as the engine takes it, from OpenAI's JSON object or a Map. An object's keys are strings; one that is
 * not a token id would reach the engine as NaN, so it is named here. The engine checks the ids and the values.
 */
function logitBiasMap(bias: Readonly<Record<string, number>> | ReadonlyMap<number, number>): ReadonlyMap<number, number> {
  if (bias instanceof Map) return bias;
  return new Map(
    Object.entries(bias).map(([key, value]) => {
      if (!LOGIT_BIAS_KEY.test(key)) throw new UsageError(`logit_bias: token ids are integers from 0, got ${JSON.stringify(key)}`);
      return [Number(key), value];
    })
  );
}

/** The parameters of one call: the constructor's defaults, then the call's h2oGPT-named options, then its stop strings. */
export function callParams(defaults: GenerationDefaults, call: H2oGptCallFields & {stop?: string[]}): GenerationDefaults {
  const pick = <T>(value: T | undefined, fallback: T | undefined): T | undefined => (value === undefined ? fallback : value);
  return {
    promptType: pick(call.prompt_type, defaults.promptType),
    promptDict: pick(call.prompt_dict, defaults.promptDict),
    systemPrompt: pick(call.system_prompt, defaults.systemPrompt),
    chatTemplate: defaults.chatTemplate,
    maxNewTokens: pick(call.max_new_tokens, defaults.maxNewTokens),
    minNewTokens: pick(call.min_new_tokens, defaults.minNewTokens),
    temperature: pick(call.temperature, defaults.temperature),
    topP: pick(call.top_p, defaults.topP),
    topK: pick(call.top_k, defaults.topK),
    minP: pick(call.min_p, defaults.minP),
    repetitionPenalty: pick(call.repetition_penalty, defaults.repetitionPenalty),
    presencePenalty: pick(call.presence_penalty, defaults.presencePenalty),
    frequencyPenalty: pick(call.frequency_penalty, defaults.frequencyPenalty),
    logitBias: call.logit_bias === undefined ? defaults.logitBias : logitBiasMap(call.logit_bias),
    maxTime: pick(call.max_time, defaults.maxTime),
    seed: pick(call.seed, defaults.seed),
    doSample: pick(call.do_sample, defaults.doSample),
    stop: call.stop != null && call.stop.length > 0 ? call.stop : defaults.stop,
    minMaxNewTokens: pick(call.min_max_new_tokens, defaults.minMaxNewTokens),
    truncation: pick(call.truncation, defaults.truncation)
  };
}

/** The parameters under h2oGPT's names, for LangChain's tracing (`invocation_params`). */
export function snakeParams(params: GenerationDefaults): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_type: params.promptType,
    system_prompt: params.systemPrompt,
    max_new_tokens: params.maxNewTokens,
    min_new_tokens: params.minNewTokens,
    temperature: params.temperature,
    top_p: params.topP,
    top_k: params.topK,
    min_p: params.minP,
    repetition_penalty: params.repetitionPenalty,
    presence_penalty: params.presencePenalty,
    frequency_penalty: params.frequencyPenalty,
    logit_bias: params.logitBias == null ? undefined : Object.fromEntries(params.logitBias),
    max_time: params.maxTime,
    seed: params.seed,
    do_sample: params.doSample,
    stop: params.stop,
    min_max_new_tokens: params.minMaxNewTokens,
    truncation: params.truncation
  };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

/** One generation through the generate stage: h2oGPT's prompt, the context budget, stop strings, the signal. */
export function startH2oGpt(engine: Engine, params: GenerationDefaults, input: GenerateInput, signal: AbortSignal | undefined): GenerateStream {
  return generateStream({engine, ...params, ...input, signal});
}

/** The generate stage's stop reasons as OpenAI's finish_reason (as the server reports them). */
function finishReason(stopReason: string): "stop" | "length" {
  return stopReason === "length" || stopReason === "time" ? "length" : "stop";
}

export function usageOf(result: GenerateResult): UsageMetadata {
  return {input_tokens: result.promptTokens, output_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens};
}

/** What a response carries besides its text: h2oGPT's figures under its names. */
export function responseMetadata(engine: Engine, result: GenerateResult): Record<string, unknown> {
  return {
    model_name: engine.info.name,
    prompt_type: result.promptType,
    finish_reason: finishReason(result.stopReason),
    stop_reason: result.stopReason,
    max_new_tokens: result.maxNewTokens,
    turns_dropped: result.turnsDropped,
    tokenUsage: {promptTokens: result.promptTokens, completionTokens: result.completionTokens, totalTokens: result.promptTokens + result.completionTokens}
  };
}

/**
 * The error an aborted call rejects with: the signal's reason when it is an Error (as `signal.throwIfAborted()`
 * and LangChain's own runnables do), else an AbortError. (LangChain's ModelAbortError is newer than the oldest
 * @langchain/core 1.x this package supports.)
 */
export function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const error = new Error(typeof signal.reason === "string" ? signal.reason : "This operation was aborted");
  error.name = "AbortError";
  return error;
}
