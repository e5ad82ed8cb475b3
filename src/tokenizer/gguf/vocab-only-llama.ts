import {getLlama, type Llama, LlamaLogLevel, type LlamaModel} from "node-llama-cpp";

/**
 * One llama.cpp instance per process for reading GGUF vocabularies, and a log filter: a vocab-only load
 * makes llama.cpp and node-llama-cpp report the missing weights, which is expected and harmless. Other warnings
 * (a missing pre-tokenizer type...) are kept and handed to the caller instead of being printed.
 */

const HARMLESS = [
  /missing tensor 'token_embd\.weight'/,
  /llama_model_load: error loading model/,
  /failed to load model/,
  /Failed simulating model resource usage/
];
/** Lines that only frame a warning (blank, asterisks). */
const DECORATION = /^[\s*]*$/;

let llama: Promise<Llama> | undefined;
let capture: string[] | undefined;
let loads: Promise<unknown> = Promise.resolve();

function log(level: LlamaLogLevel, message: string): void {
  if (level !== LlamaLogLevel.warn && level !== LlamaLogLevel.error && level !== LlamaLogLevel.fatal) return;
  const text = message.replace(/^(load|llama_model_load|llm_load_vocab): /, "").trim();
  if (HARMLESS.some((pattern) => pattern.test(message)) || DECORATION.test(text)) return;
  if (capture !== undefined) capture.push(text);
  else process.stderr.write(`[node-llama-cpp] ${message.trimEnd()}\n`);
}

function instance(): Promise<Llama> {
  llama ??= getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.warn, logger: log});
  return llama;
}

/**
 * Disposes this thread's llama.cpp instance once the vocabularies loaded through it are disposed. A worker thread
 * must do this before it ends: terminating a thread that still held node-llama-cpp's native objects aborted the
 * whole process now and then ("terminate called after throwing an instance of 'Napi::Error'").
 */
export async function releaseVocabRuntime(): Promise<void> {
  const pending = llama;
  llama = undefined;
  await loads;
  await (await pending?.catch(() => undefined))?.dispose();
}

/** Loads a GGUF's vocabulary only; returns the model and the warnings llama.cpp printed while loading it. */
export function loadVocabOnly(modelPath: string): Promise<{model: LlamaModel; warnings: string[]}> {
  const load = loads.then(async () => {
    const runtime = await instance();
    const warnings: string[] = [];
    capture = warnings;
    try {
      const model = await runtime.loadModel({modelPath, vocabOnly: true});
      return {model, warnings};
    } finally {
      capture = undefined;
    }
  });
  // Loads run one at a time so each one's warnings are its own.
  loads = load.catch(() => undefined);
  return load;
}
