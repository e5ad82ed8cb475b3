import {existsSync, readdirSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

/** `models/` of the installed package (src/engine and dist/engine sit at the same depth). */
const PACKAGE_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");

/** What users are told whenever the built-in model answers (UI, `h2ogpt generate`, `--help`). */
export const DEFAULT_MODEL_NOTICE =
  "This is h2ogpt-ts's built-in demonstration model: a 4-million-parameter model trained on a CPU in about half an hour " +
  "on a few hundred questions about h2ogpt-ts, so it can only answer questions like those. For real answers, use a " +
  "real model: --base_model=MODEL.gguf (a llama.cpp GGUF file) or --inference_server=vllm:HOST:PORT.";

/**
 * The model used when neither --base_model nor --inference_server is given: the chat GGUF the package ships in
 * `models/` (the first by name), or undefined when it ships none. This is the one place that decision is made.
 * Reward models ship beside it (`*-reward.gguf`, for `--score_model=default`) and are never the chat model.
 */
export function defaultModelPath(modelsDir: string = PACKAGE_MODELS_DIR): string | undefined {
  if (!existsSync(modelsDir)) return undefined;
  const ggufs = readdirSync(modelsDir).filter((name) => /\.gguf$/i.test(name) && !/-reward\.gguf$/i.test(name)).sort();
  return ggufs.length === 0 ? undefined : join(modelsDir, ggufs[0]!);
}
