import {existsSync, readdirSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

/** `models/` of the installed package (src/engine and dist/engine sit at the same depth). */
const PACKAGE_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");

/**
 * The model used when neither --base_model nor --inference_server is given: the GGUF the package ships in
 * `models/` (the first by name), or undefined when it ships none. This is the one place that decision is made.
 */
export function defaultModelPath(modelsDir: string = PACKAGE_MODELS_DIR): string | undefined {
  if (!existsSync(modelsDir)) return undefined;
  const ggufs = readdirSync(modelsDir).filter((name) => name.toLowerCase().endsWith(".gguf")).sort();
  return ggufs.length === 0 ? undefined : join(modelsDir, ggufs[0]!);
}
