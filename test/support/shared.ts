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

/** Set in CI (.ci/run exports it), where every fixture must be present: a missing one fails instead of skipping. */
export const inCi = process.env.CI != null && process.env.CI !== "" && process.env.CI !== "false";

/**
 * A path under `<sharedDir>/fixtures`, or undefined (with the reason printed) when sharedDir is absent, for tests
 * to `skipIf`. In CI an absent sharedDir or fixture throws, so tests that need it fail rather than pass vacuously.
 */
export function resolveSharedFixture(options: {sharedDir: string | undefined; relative: string; ci: boolean}): string | undefined {
  const {sharedDir: dir, relative, ci} = options;
  if (dir == null) {
    if (ci) throw new Error(`../shared is absent, but CI must have ${relative} (check ../shared out beside the project)`);
    console.warn(`skipping: ../shared is absent, so ${relative} is not available`);
    return undefined;
  }
  const path = join(dir, "fixtures", relative);
  if (ci && !existsSync(path)) throw new Error(`${path} is missing, but CI must have it`);
  return path;
}

/** A path under ../shared/fixtures (see resolveSharedFixture). */
export function sharedFixture(relative: string): string | undefined {
  return resolveSharedFixture({sharedDir, relative, ci: inCi});
}

export const neoxTokenizerPath = sharedFixture("tokenizers/gpt-neox-20b/tokenizer.json");
export const tinyLlamaPath = sharedFixture("models/llama-2-tiny-random.gguf");
export const neoxVocabGgufPath = sharedFixture("vocab/ggml-vocab-gpt-neox.gguf");
export const gpt2VocabGgufPath = sharedFixture("vocab/ggml-vocab-gpt-2.gguf");
