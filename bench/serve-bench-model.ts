import {existsSync, mkdirSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/**
 * The GGUF a serving benchmark names: `demo` the built-in model, `bench` the 30M-parameter random llama model
 * (written once under bench/results/, with GPT-NeoX's vocabulary from ../shared when it is there), any other value
 * a path. Shared by bench:serve-vs-llama-server and bench:decode-loop, so their figures are for the same model.
 */
export async function serveBenchModel(spec: string): Promise<string> {
  if (spec === "demo") return join(root, "models/h2ogpt-ts-demo.gguf");
  if (spec !== "bench") return resolve(spec);
  const dir = join(root, "bench/results");
  mkdirSync(dir, {recursive: true});
  const path = join(dir, "serve-vs-llama-server-30m.gguf");
  const neox = resolve(root, "..", "shared/fixtures/vocab/ggml-vocab-gpt-neox.gguf");
  if (!existsSync(path))
    await writeRandomLlamaGguf({path, nEmbd: 256, nLayer: 4, nHead: 8, nFf: 1024, contextLength: 2048, seed: 0, vocabulary: existsSync(neox) ? {gguf: neox} : {synthetic: 512}});
  return path;
}
