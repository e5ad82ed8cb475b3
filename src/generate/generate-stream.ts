import {startGeneration, type ChatMessage, type EngineGenerateOptions, type EngineGeneration, type EngineResult, type GenerationIo} from "../engine/index.js";
import {NotSupportedError, UsageError} from "../errors/index.js";
import {GENERATION_DEFAULTS, type GenerateOptions, type GenerateResult, type GenerateStream, type SequenceResult} from "./generate-options.js";
import {fitRequest} from "./plan-generation.js";
import type {PromptPlan} from "./plan-prompt.js";
import {ResponseShaper} from "./response-shaper.js";

/** h2oGPT's separator before each of several returned sequences. */
const outputHeader = (index: number): string => `\n=========== Output ${index + 1}\n\n`;

function checkParams(options: GenerateOptions): void {
  const numBeams = options.numBeams ?? GENERATION_DEFAULTS.numBeams;
  if (numBeams > 1)
    throw new NotSupportedError(`num_beams=${numBeams}: beam search is not available on ${options.engine.info.kind} engines; use num_beams=1 (sampling or greedy)`);
  const n = options.numReturnSequences ?? GENERATION_DEFAULTS.numReturnSequences;
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`num_return_sequences must be an integer from 1 to 16, got ${n}`);
  const truncation = options.truncation ?? GENERATION_DEFAULTS.truncation;
  if (truncation !== "error" && truncation !== "left") throw new UsageError(`truncation must be 'error' or 'left', got '${String(truncation)}'`);
}

function engineCall(options: GenerateOptions, plan: PromptPlan<string | ChatMessage[]>, input: string | ChatMessage[], maxNewTokens: number, index: number, signal: AbortSignal): EngineGeneration {
  const params: Omit<EngineGenerateOptions, "prompt"> = {
    maxNewTokens,
    minNewTokens: Math.min(options.minNewTokens ?? GENERATION_DEFAULTS.minNewTokens, maxNewTokens),
    temperature: options.temperature ?? GENERATION_DEFAULTS.temperature,
    topP: options.topP ?? GENERATION_DEFAULTS.topP,
    topK: options.topK,
    minP: options.minP,
    repetitionPenalty: options.repetitionPenalty ?? GENERATION_DEFAULTS.repetitionPenalty,
    presencePenalty: options.presencePenalty,
    frequencyPenalty: options.frequencyPenalty,
    logitBias: options.logitBias,
    // Each returned sequence gets its own seed so sampled answers differ yet repeat for a seed.
    seed: options.seed == null ? undefined : (options.seed + index) >>> 0,
    doSample: options.doSample,
    stop: plan.stop,
    maxTime: options.maxTime ?? GENERATION_DEFAULTS.maxTime,
    signal
  };
  return plan.kind === "messages"
    ? options.engine.generateChat({...params, messages: input as ChatMessage[]})
    : options.engine.generate({...params, prompt: input as string});
}

async function run(options: GenerateOptions, io: GenerationIo): Promise<GenerateResult> {
  checkParams(options);
  const {plan, fitted} = await fitRequest(options);
  const n = options.numReturnSequences ?? GENERATION_DEFAULTS.numReturnSequences;
  const sequences: SequenceResult[] = [];
  let response = "";
  let promptTokens = fitted.promptTokens;
  let cachedTokens: number | undefined;
  const emit = (text: string): void => {
    if (text === "") return;
    response += text;
    io.emit(text);
  };

  for (let index = 0; index < n && !(index > 0 && io.signal.aborted); index++) {
    if (n > 1) emit((index > 0 ? "\n" : "") + outputHeader(index));
    const shaper = new ResponseShaper(plan);
    const generation = engineCall(options, plan, fitted.prompt, fitted.maxNewTokens, index, io.signal);
    for await (const delta of generation.stream) emit(shaper.push(delta));
    const result: EngineResult = await generation.result;
    emit(shaper.finish());
    if (n > 1 && index > 0) emit("\n");
    promptTokens = result.promptTokens;
    if (index === 0) cachedTokens = result.cachedTokens;
    sequences.push({response: shaper.text, completionTokens: result.completionTokens, stopReason: result.stopReason});
  }
  return {
    response,
    sequences,
    promptRaw: plan.raw(fitted.prompt),
    promptType: plan.promptType,
    promptTokens,
    ...(cachedTokens == null ? {} : {cachedTokens}),
    completionTokens: sequences.reduce((sum, s) => sum + s.completionTokens, 0),
    maxNewTokens: fitted.maxNewTokens,
    stopReason: sequences[0]?.stopReason ?? "abort",
    turnsDropped: fitted.turnsDropped,
    truncatedChars: fitted.truncatedChars
  };
}

/**
 * Generates an answer the way h2oGPT's generate does: the prompt type's exact prompt (or the model's chat
 * template, or messages for a chat endpoint), history dropped oldest first to fit the context, stop strings
 * never shown, the response shaped as h2oGPT extracts it. Deltas stream as they come; the abort signal (or
 * leaving the stream) stops generation and frees the engine's sequence.
 */
export function generateStream(options: GenerateOptions): GenerateStream {
  return startGeneration(options.signal, (io) => run(options, io));
}

/** generateStream without the stream: resolves with the whole result. */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  return generateStream(options).result;
}
