/**
 * Writes a random-weight llama GGUF that llama.cpp runs, for tests and benchmarks that need a model bigger than
 * the 0.5M-parameter fixture.
 *
 *   npx tsx scripts/write-random-model.ts --out=model.gguf [--vocab=VOCAB.gguf|tokenizer.json|synthetic:N]
 *       [--embd=256] [--layers=4] [--heads=8] [--kv_heads=8] [--ff=1024] [--ctx=2048] [--seed=0] [--type=F16|F32] [--tied]
 *
 * The default vocabulary is ../shared/fixtures/vocab/ggml-vocab-gpt-neox.gguf when present, else synthetic:512.
 */
import {existsSync} from "node:fs";
import {dirname, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {writeRandomLlamaGguf, type VocabularySource} from "../src/gguf/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key!, value.length === 0 ? "true" : value.join("=")];
  })
);

function vocabulary(spec: string | undefined): VocabularySource {
  const neox = resolve(root, "..", "shared/fixtures/vocab/ggml-vocab-gpt-neox.gguf");
  if (spec == null) return existsSync(neox) ? {gguf: neox} : {synthetic: 512};
  if (spec.startsWith("synthetic:")) return {synthetic: Number(spec.slice("synthetic:".length))};
  return spec.endsWith(".gguf") ? {gguf: resolve(spec)} : {tokenizerJson: resolve(spec)};
}

if (args.out == null || args.out === "true") {
  console.error("write-random-model: give --out=FILE.gguf (see the comment at the top of this script)");
  process.exit(2);
}
const embd = Number(args.embd ?? 256);
const result = await writeRandomLlamaGguf({
  path: resolve(args.out),
  vocabulary: vocabulary(args.vocab),
  nEmbd: embd,
  nLayer: Number(args.layers ?? 4),
  nHead: Number(args.heads ?? 8),
  nHeadKv: args.kv_heads == null ? undefined : Number(args.kv_heads),
  nFf: Number(args.ff ?? embd * 4),
  contextLength: Number(args.ctx ?? 2048),
  seed: Number(args.seed ?? 0),
  type: args.type === "F32" ? "F32" : "F16",
  tied: args.tied === "true"
});
console.log(`${result.path}: ${(result.parameters / 1e6).toFixed(1)}M parameters, vocab ${result.nVocab}, ${(result.bytes / 1e6).toFixed(1)} MB`);
