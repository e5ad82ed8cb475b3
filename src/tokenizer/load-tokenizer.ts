import {stat} from "node:fs/promises";
import {join} from "node:path";
import {InputFileError, NotSupportedError} from "../errors/index.js";
import {isGgufFile} from "../gguf/index.js";
import {loadHfTokenizer} from "./hf/load-hf-tokenizer.js";
import type {Tokenizer, TokenizerBackend} from "./tokenizer.js";

export interface LoadTokenizerOptions {
  /**
   * Force one backend (tests and benchmarks compare them). `auto` (the default) picks llama.cpp for a GGUF,
   * and for a tokenizer.json our fast BPE when it covers the file, else @huggingface/tokenizers.
   */
  readonly backend?: "auto" | TokenizerBackend;
}

async function kindOf(path: string): Promise<"directory" | "file"> {
  try {
    return (await stat(path)).isDirectory() ? "directory" : "file";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(path, code === "ENOENT" ? "no such file or directory" : `cannot read (${(error as Error).message})`);
  }
}

/** Imported on the first GGUF only, so HF tokenizers never load llama.cpp. */
let ggufModule: Promise<typeof import("./gguf/gguf-tokenizer.js")> | undefined;

/**
 * Releases the llama.cpp instance GGUF tokenizers of this thread share (nothing if none was loaded). Call it after
 * disposing them, before a worker thread that loaded one ends: see releaseVocabRuntime.
 *
 * @example
 * await tokenizer.dispose();
 * await releaseTokenizerRuntime();
 */
export async function releaseTokenizerRuntime(): Promise<void> {
  await (await ggufModule)?.releaseVocabRuntime();
}

/**
 * A tokenizer from a folder holding tokenizer.json (+ tokenizer_config.json), a tokenizer.json file, or a GGUF
 * file (its vocabulary, read by llama.cpp). Everything after this promise is synchronous.
 */
export async function loadTokenizer(path: string, options: LoadTokenizerOptions = {}): Promise<Tokenizer> {
  const backend = options.backend ?? "auto";
  const file = (await kindOf(path)) === "directory" ? join(path, "tokenizer.json") : path;
  if (file !== path && (await kindOf(file).catch(() => undefined)) !== "file") {
    throw new InputFileError(path, "folder has no tokenizer.json (give a tokenizer.json, its folder, or a GGUF file)");
  }
  let isGguf: boolean;
  try {
    isGguf = await isGgufFile(file);
  } catch (error) {
    throw new InputFileError(file, `cannot read (${(error as Error).message})`);
  }
  if (isGguf) {
    if (backend !== "auto" && backend !== "llama.cpp") throw new NotSupportedError(`${file}: a GGUF file is read by the llama.cpp backend only`);
    ggufModule ??= import("./gguf/gguf-tokenizer.js");
    return (await ggufModule).loadGgufTokenizer(file);
  }
  if (backend === "llama.cpp") throw new NotSupportedError(`${file}: the llama.cpp backend reads GGUF files only`);
  return loadHfTokenizer(file, backend);
}
