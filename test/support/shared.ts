import {existsSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

/** The project root, whatever the cwd of the test run. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `../shared` beside the project (CI checks it out there), or undefined when it is absent. */
export const sharedDir: string | undefined = (() => {
  const dir = resolve(projectRoot, "..", "shared");
  return existsSync(join(dir, "fixtures")) ? dir : undefined;
})();

/** A path under ../shared/fixtures, or undefined (with the reason printed once) when ../shared is absent. */
export function sharedFixture(relative: string): string | undefined {
  if (sharedDir == null) {
    console.warn(`skipping: ../shared is absent, so ${relative} is not available`);
    return undefined;
  }
  return join(sharedDir, "fixtures", relative);
}

export const neoxTokenizerPath = sharedFixture("tokenizers/gpt-neox-20b/tokenizer.json");
export const tinyLlamaPath = sharedFixture("models/llama-2-tiny-random.gguf");
export const neoxVocabGgufPath = sharedFixture("vocab/ggml-vocab-gpt-neox.gguf");
export const gpt2VocabGgufPath = sharedFixture("vocab/ggml-vocab-gpt-2.gguf");
