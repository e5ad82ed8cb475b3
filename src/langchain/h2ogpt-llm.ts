import type {CallbackManagerForLLMRun} from "@langchain/core/callbacks/manager";
import {LLM, type BaseLLMCallOptions, type BaseLLMParams} from "@langchain/core/language_models/llms";
import {GenerationChunk, type Generation, type LLMResult} from "@langchain/core/outputs";
import type {Engine} from "../engine/index.js";
import type {GenerateResult} from "../generate/index.js";
import {
  abortError,
  callParams,
  H2OGPT_CALL_KEYS,
  responseMetadata,
  snakeParams,
  splitModelOptions,
  startH2oGpt,
  usageOf,
  type EngineSource,
  type H2oGptCallFields,
  type H2oGptModelOptions
} from "./model-options.js";

export interface H2oGptCallOptions extends BaseLLMCallOptions, H2oGptCallFields {}

export interface H2oGptOptions extends BaseLLMParams, H2oGptModelOptions {}

/**
 * h2ogpt-ts as a LangChain LLM (text in, text out), as h2oGPT's own pipeline is wrapped for LangChain: the text is
 * the instruction, put into the prompt type's prompt (or the model's chat template), and the answer is cut the
 * h2oGPT way. The context budget (ContextOverflowError), stop strings, streaming, abort and token usage are the
 * generate stage's.
 *
 * @example
 * const llm = new H2oGpt({promptType: "human_bot", maxNewTokens: 64});
 * const text = await llm.invoke("Who are you?");
 * const {llmOutput} = await llm.generate(["Who are you?"]); // llmOutput.tokenUsage
 */
export class H2oGpt extends LLM<H2oGptCallOptions> {
  static override lc_name(): string {
    return "H2oGpt";
  }

  private readonly source: EngineSource;
  private readonly defaults: ReturnType<typeof splitModelOptions>["defaults"];

  constructor(options: H2oGptOptions = {}) {
    const {engine, defaults, rest} = splitModelOptions(options);
    super(rest);
    this.source = engine;
    this.defaults = defaults;
  }

  _llmType(): string {
    return "h2ogpt";
  }

  override get callKeys(): string[] {
    return [...super.callKeys, ...H2OGPT_CALL_KEYS];
  }

  /** The engine this LLM generates with (loaded on first use); pass it to other components to share the model. */
  engine(): Promise<Engine> {
    return this.source.get();
  }

  /** Frees the model when this LLM loaded it; an engine given to the constructor stays open. */
  close(): Promise<void> {
    return this.source.close();
  }

  override invocationParams(options?: this["ParsedCallOptions"]): Record<string, unknown> {
    return {...this.source.describe(), ...snakeParams(callParams(this.defaults, options ?? {}))};
  }

  override _identifyingParams(): Record<string, unknown> {
    return this.invocationParams();
  }

  override async getNumTokens(content: string | unknown): Promise<number> {
    return (await this.source.get()).countTokens(typeof content === "string" ? content : JSON.stringify(content));
  }

  /** Deltas as they come, then the generate stage's result (abort and errors thrown). */
  private async *run(prompt: string, options: this["ParsedCallOptions"]): AsyncGenerator<string, {engine: Engine; result: GenerateResult}> {
    const engine = await this.source.get();
    options.signal?.throwIfAborted();
    const generation = startH2oGpt(engine, callParams(this.defaults, options), {instruction: prompt}, options.signal);
    for await (const delta of generation.stream) yield delta;
    const result = await generation.result;
    if (options.signal?.aborted) throw abortError(options.signal);
    return {engine, result};
  }

  override async *_streamResponseChunks(prompt: string, options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): AsyncGenerator<GenerationChunk> {
    const run = this.run(prompt, options);
    // A consumer that stops reading ends the generation (and frees the engine's sequence) through run.return().
    try {
      for (let next = await run.next(); ; next = await run.next()) {
        if (next.done) {
          const {engine, result} = next.value;
          yield new GenerationChunk({text: "", generationInfo: {...responseMetadata(engine, result), usage_metadata: usageOf(result)}});
          return;
        }
        const chunk = new GenerationChunk({text: next.value});
        yield chunk;
        await runManager?.handleLLMNewToken(next.value, undefined, undefined, undefined, undefined, {chunk});
      }
    } finally {
      await run.return(undefined as never);
    }
  }

  /** One answer; `_generate` is what LangChain calls, with the usage. */
  async _call(prompt: string, options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<string> {
    return (await this.answer(prompt, options, runManager)).text;
  }

  private async answer(prompt: string, options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<Generation & {result: GenerateResult}> {
    const run = this.run(prompt, options);
    for (let next = await run.next(); ; next = await run.next()) {
      if (next.done) {
        const {engine, result} = next.value;
        return {text: result.response, generationInfo: {...responseMetadata(engine, result), usage_metadata: usageOf(result)}, result};
      }
      await runManager?.handleLLMNewToken(next.value);
    }
  }

  /**
   * Every prompt at once: the engine runs as many as it has sequences (`engine.info.sequences`) and queues the
   * rest. The result's llmOutput.tokenUsage adds up all of them.
   */
  override async _generate(prompts: string[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<LLMResult> {
    const answers = await Promise.all(prompts.map((prompt) => this.answer(prompt, options, runManager)));
    const promptTokens = answers.reduce((sum, a) => sum + a.result.promptTokens, 0);
    const completionTokens = answers.reduce((sum, a) => sum + a.result.completionTokens, 0);
    return {
      generations: answers.map(({text, generationInfo}) => [{text, generationInfo}]),
      llmOutput: {tokenUsage: {promptTokens, completionTokens, totalTokens: promptTokens + completionTokens}}
    };
  }
}
