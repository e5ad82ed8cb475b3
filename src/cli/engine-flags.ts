import {resolve} from "node:path";
import {FLASH_ATTENTION_MAX_CONTEXT, isRemoteModel, type CreateEngineOptions} from "../engine/index.js";
import {UsageError} from "../errors/index.js";
import type {GenerateOptions, GenerationParams, Truncation} from "../generate/index.js";
import {loadChatTemplate} from "../prompts/index.js";
import {parseLiteral} from "../util/index.js";
import type {FlagDefs, ParsedFlags} from "./args.js";
import type {CommandIo} from "./command.js";
import {downloadOptionsFromFlags, MODEL_CACHE_FLAGS} from "./model-flags.js";

/**
 * The engine, prompt and generation flags `generate` and `serve` share, with h2oGPT's names, and their mapping
 * to library options. Defaults live in the library (GENERATION_DEFAULTS); here they are only shown in --help.
 */

export const ENGINE_FLAGS = {
  base_model: {
    kind: "string",
    description: "a GGUF model for llama.cpp: a file, hf:OWNER/REPO:QUANT, hf:OWNER/REPO/FILE.gguf or an https URL (downloaded once into --models_dir); or the model name on --inference_server",
    defaultText: "the built-in tiny demonstration model, which only knows about h2ogpt-ts",
    aliases: ["model_path_llama"]
  },
  inference_server: {kind: "string", description: "an OpenAI-compatible server: vllm:HOST:PORT, vllm_chat:HOST:PORT, http://HOST:PORT, openai, openai_chat"},
  max_seq_len: {kind: "number", description: "context length in tokens (prompt + answer)", defaultText: "the model's trained context"},
  n_threads: {kind: "number", description: "llama.cpp threads", defaultText: "1"},
  flash_attention: {
    kind: "boolean",
    description: "llama.cpp's flash attention: faster batched decoding of short chats, much slower follow-up turns deep in a long one (docs/serve.md)",
    defaultText: `true when a sequence holds at most ${FLASH_ATTENTION_MAX_CONTEXT} tokens (--max_seq_len, or the model's trained context), else false`
  },
  lora_weights: {kind: "list", description: "a LoRA adapter GGUF (file, hf: or URL) applied to --base_model (repeat for several)"},
  tokenizer: {kind: "string", description: "tokenizer (tokenizer.json, its folder, or a GGUF) for counting a remote model's tokens"},
  ...MODEL_CACHE_FLAGS
} as const satisfies FlagDefs;

export const PROMPT_FLAGS = {
  prompt_type: {kind: "string", description: "prompt type name or number (h2ogpt prompt-types)", defaultText: "detected from the model"},
  prompt_dict: {kind: "string", description: "for prompt_type=custom: h2oGPT's prompt_dict as JSON or a Python dict"},
  system_prompt: {kind: "string", description: "'auto' = the prompt type's default, '' = none, or the text", defaultText: "auto"},
  chat_template: {kind: "string", description: "chat template for prompt_type unknown/template: a Jinja file, tokenizer_config.json or .gguf"}
} as const satisfies FlagDefs;

export const GENERATION_FLAGS = {
  temperature: {kind: "number", description: "sampling temperature; 0 = greedy", defaultText: "0"},
  top_p: {kind: "number", description: "nucleus sampling threshold", defaultText: "1.0"},
  top_k: {kind: "number", description: "sample among the k most likely tokens (0 = all)", defaultText: "40 when sampling (with min_p 0.05)"},
  repetition_penalty: {kind: "number", description: "penalty for repeating recent tokens (1.0 = none)", defaultText: "1.0"},
  max_new_tokens: {kind: "number", description: "largest answer in tokens (capped by the context left)", defaultText: "1024"},
  min_new_tokens: {kind: "number", description: "end-of-sequence is held off until this many tokens", defaultText: "0"},
  min_max_new_tokens: {kind: "number", description: "history is dropped until this many tokens are left for the answer", defaultText: "512"},
  max_time: {kind: "number", description: "seconds before generation stops (stop reason 'time')", defaultText: "600"},
  seed: {kind: "number", description: "random seed for sampling"},
  do_sample: {kind: "boolean", description: "sample (true) or decode greedily (false)", defaultText: "sample when temperature > 0"},
  stop: {kind: "list", description: "extra stop string (repeat, or a JSON list)"},
  num_beams: {kind: "number", description: "beam search width; only 1 is available", defaultText: "1"},
  num_return_sequences: {kind: "number", description: "answers to return", defaultText: "1"},
  truncation: {kind: "string", description: "'error': a message (with its context) too long for the context window fails; 'left': keep its end", defaultText: "error"}
} as const satisfies FlagDefs;

type EngineFlags = ParsedFlags<typeof ENGINE_FLAGS>;
type PromptFlags = ParsedFlags<typeof PROMPT_FLAGS>;
type GenerationFlags = ParsedFlags<typeof GENERATION_FLAGS>;

function positiveInteger(name: string, value: number | undefined): number | undefined {
  if (value != null && (!Number.isInteger(value) || value < 1)) throw new UsageError(`--${name}: expected a positive integer, got ${value}`);
  return value;
}

/** createEngine options from the engine flags (paths resolved against the command's cwd). */
export function engineOptionsFromFlags(flags: EngineFlags, io: Pick<CommandIo, "cwd" | "env"> & Partial<Pick<CommandIo, "signal">>, sequences?: number): CreateEngineOptions {
  const remote = flags.inference_server != null && flags.inference_server !== "";
  const path = (value: string | undefined): string | undefined => (value == null || value === "" ? undefined : resolve(io.cwd, value));
  // A remote model not already resolved (withLocalModels does it with progress) is fetched by createEngine.
  const model = (value: string | undefined): string | undefined => (value != null && isRemoteModel(value) ? value : path(value));
  return {
    baseModel: remote ? flags.base_model : model(flags.base_model),
    inferenceServer: flags.inference_server,
    contextLength: positiveInteger("max_seq_len", flags.max_seq_len),
    threads: positiveInteger("n_threads", flags.n_threads),
    sequences,
    flashAttention: flags.flash_attention,
    loraAdapters: flags.lora_weights?.map((adapter) => ({path: model(adapter)!})),
    tokenizer: path(flags.tokenizer),
    env: io.env,
    download: downloadOptionsFromFlags(flags, {signal: new AbortController().signal, ...io})
  };
}

/** `--stop=A --stop=B`, or one JSON/Python list `--stop='["A", "B"]'`. */
function stopList(values: readonly string[] | undefined): string[] | undefined {
  if (values == null) return undefined;
  return values.flatMap((value) => {
    if (!value.trimStart().startsWith("[")) return [value];
    const parsed = parseLiteral(value, "--stop");
    if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string")) throw new UsageError("--stop: a list must hold strings only");
    return parsed as string[];
  });
}

const TRUNCATIONS: readonly Truncation[] = ["error", "left"];

export function generationParamsFromFlags(flags: GenerationFlags): GenerationParams {
  if (flags.truncation != null && !TRUNCATIONS.includes(flags.truncation as Truncation))
    throw new UsageError(`--truncation: expected ${TRUNCATIONS.join(" or ")}, got '${flags.truncation}'`);
  return {
    temperature: flags.temperature,
    topP: flags.top_p,
    topK: flags.top_k,
    repetitionPenalty: flags.repetition_penalty,
    maxNewTokens: positiveInteger("max_new_tokens", flags.max_new_tokens),
    minNewTokens: flags.min_new_tokens,
    minMaxNewTokens: positiveInteger("min_max_new_tokens", flags.min_max_new_tokens),
    maxTime: flags.max_time,
    seed: flags.seed,
    doSample: flags.do_sample,
    stop: stopList(flags.stop),
    numBeams: positiveInteger("num_beams", flags.num_beams),
    numReturnSequences: positiveInteger("num_return_sequences", flags.num_return_sequences),
    truncation: flags.truncation as Truncation | undefined
  };
}

export async function promptOptionsFromFlags(
  flags: PromptFlags,
  io: Pick<CommandIo, "cwd">
): Promise<Pick<GenerateOptions, "promptType" | "promptDict" | "systemPrompt" | "chatTemplate">> {
  const chatTemplate = flags.chat_template == null ? undefined : await loadChatTemplate(resolve(io.cwd, flags.chat_template));
  return {
    // A template given on the command line is meant to be used, as `h2ogpt prompt` does.
    promptType: flags.prompt_type ?? (chatTemplate != null ? "unknown" : undefined),
    promptDict: flags.prompt_dict,
    systemPrompt: flags.system_prompt,
    chatTemplate
  };
}
