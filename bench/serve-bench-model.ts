import {existsSync, mkdirSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

const RANDOM_MODELS = new Map<string, {file: string; hparams: {nEmbd: number; nLayer: number; nHead: number; nFf: number}}>([
  ["bench", {file: "serve-vs-llama-server-30m.gguf", hparams: {nEmbd: 256, nLayer: 4, nHead: 8, nFf: 1024}}],
  ["large", {file: "serve-vs-llama-server-309m.gguf", hparams: {nEmbd: 1024, nLayer: 16, nHead: 16, nFf: 2816}}]
]);

/**
 * The GGUF a serving benchmark names: `demo` the built-in model, `bench` the 30M-parameter random llama model,
 * `large` a 309M-parameter one (both written once under bench/results/, with GPT-NeoX's vocabulary from ../shared
 * when it is there), any other value a path. Shared by bench:serve-vs-llama-server and bench:decode-loop, so their
 * figures are for the same model.
 *
 * `bench` is small enough that per-token overhead weighs (its attention heads are 32 wide); `large` has heads 64
 * wide and reads 618 MB of weights a step, so batching sequences decides its throughput.
 */
export async function serveBenchModel(spec: string): Promise<string> {
  if (spec === "demo") return join(root, "models/h2ogpt-ts-demo.gguf");
  const shape = RANDOM_MODELS.get(spec);
  if (shape == null) return resolve(spec);
  const dir = join(root, "bench/results");
  mkdirSync(dir, {recursive: true});
  const path = join(dir, shape.file);
  const neox = resolve(root, "..", "shared/fixtures/vocab/ggml-vocab-gpt-neox.gguf");
  if (!existsSync(path)) await writeRandomLlamaGguf({path, ...shape.hparams, contextLength: 2048, seed: 0, vocabulary: existsSync(neox) ? {gguf: neox} : {synthetic: 512}});
  return path;
}
