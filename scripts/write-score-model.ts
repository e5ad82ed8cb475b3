/**
 * Writes a small random sequence-classification model in Hugging Face Optimum's ONNX layout (model.onnx,
 * tokenizer.json, tokenizer_config.json, config.json) for trying `--score_model` without a download; the tests
 * and bench:score build the same models in temporary folders.
 *
 *   npx tsx scripts/write-score-model.ts DIR [--layers=1] [--hidden=32] [--tokenizer=wordpiece|unigram]
 */
import {TINY_SCORE_MODEL, writeScoreModel} from "../test/support/score-model.js";

const [dir, ...rest] = process.argv.slice(2);
if (dir === undefined || dir.startsWith("--")) {
  process.stderr.write("usage: npx tsx scripts/write-score-model.ts DIR [--layers=N] [--hidden=N] [--tokenizer=wordpiece|unigram]\n");
  process.exit(2);
}
const flags = Object.fromEntries(rest.map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const hidden = Number(flags.hidden ?? TINY_SCORE_MODEL.hidden);
const tokenizer = flags.tokenizer === "unigram" ? "unigram" : "wordpiece";
writeScoreModel(dir, {...TINY_SCORE_MODEL, layers: Number(flags.layers ?? TINY_SCORE_MODEL.layers), hidden, ffn: 2 * hidden, heads: Math.max(1, hidden / 16), tokenizer});
process.stdout.write(`wrote ${dir} (model.onnx, tokenizer.json, tokenizer_config.json, config.json)\n`);
