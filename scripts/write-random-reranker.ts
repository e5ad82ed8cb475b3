/**
 * Writes a small random BERT reranker GGUF (llama.cpp rank pooling, WordPiece vocabulary) for trying
 * `--score_model` with the reranker backend without a download; the tests build the same model in temporary folders.
 *
 *   npx tsx scripts/write-random-reranker.ts FILE.gguf [--layers=2] [--embd=32] [--heads=2] [--ctx=48] [--seed=1]
 */
import {resolve} from "node:path";
import {writeRandomReranker} from "../test/support/write-random-reranker.js";

const [path, ...rest] = process.argv.slice(2);
if (path === undefined || path.startsWith("--")) {
  process.stderr.write("usage: npx tsx scripts/write-random-reranker.ts FILE.gguf [--layers=N] [--embd=N] [--heads=N] [--ctx=N] [--seed=N]\n");
  process.exit(2);
}
const flags = Object.fromEntries(rest.map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const nEmbd = Number(flags.embd ?? 32);
const reranker = await writeRandomReranker({
  path: resolve(path),
  seed: Number(flags.seed ?? 1),
  nEmbd,
  nFf: 2 * nEmbd,
  nHead: Number(flags.heads ?? 2),
  nLayer: Number(flags.layers ?? 2),
  contextLength: Number(flags.ctx ?? 48)
});
process.stdout.write(`wrote ${reranker.path} (bert, rank pooling, ${reranker.pieces.length} tokens)\n`);
