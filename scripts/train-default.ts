/**
 * The recipe of h2ogpt-ts's built-in demonstration model (`npm run train:default`):
 * 1. records: data/default-model/faq.json (questions and answers about h2ogpt-ts and h2oGPT's FAQ) in human_bot
 *    form, plus README.md and docs/*.md cut into pieces;
 * 2. a byte-level BPE trained on that text with Hugging Face's `tokenizers`, stored in the GGUF;
 * 3. a randomly initialised llama GGUF, trained by `h2ogpt finetune --full` itself;
 * 4. the result copied to models/, then 20 training questions asked at temperature 0.
 *
 * Flags: --tiny (small settings, a few minutes, nothing written to models/), --work_dir (default
 * .tmp/train-default[-tiny]), --output (default models/h2ogpt-ts-demo.gguf), --num_epochs (override),
 * --resume (continue from the newest checkpoint in the work folder).
 */
import {copyFile, mkdir, readdir, rename, rm, stat, writeFile} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {main} from "../src/cli/main.js";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";
import {checkAnswers, sampleQuestions} from "./train-default/check-answers.js";
import {documentChunks, documentPaths, qaRecords, readFaq} from "./train-default/corpus.js";
import {END_OF_TEXT, trainByteLevelBpe} from "./train-default/bpe-tokenizer.js";
import {HUMAN_BOT_CHAT_TEMPLATE, RECIPES} from "./train-default/settings.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const {values: args} = parseArgs({
  options: {
    tiny: {type: "boolean", default: false},
    work_dir: {type: "string"},
    output: {type: "string"},
    num_epochs: {type: "string"},
    resume: {type: "boolean", default: false}
  }
});
const recipe = RECIPES[args.tiny ? "tiny" : "full"];
const work = resolve(args.work_dir ?? join(root, ".tmp", args.tiny ? "train-default-tiny" : "train-default"));
const output = args.output == null ? (args.tiny ? join(work, "h2ogpt-ts-demo-tiny.gguf") : join(root, "models", "h2ogpt-ts-demo.gguf")) : resolve(args.output);
const log = (line: string) => process.stderr.write(`[train:default] ${line}\n`);

async function writeCorpus(): Promise<{dataPaths: string[]; textPath: string}> {
  const faq = await readFaq(join(root, "data", "default-model", "faq.json"));
  const qa = qaRecords(faq);
  const docs = await documentChunks(documentPaths(root, (await readdir(join(root, "docs"))).filter((n) => n.endsWith(".md"))), recipe.docsMaxChars);
  const qaPath = join(work, "qa.jsonl");
  const docsPath = join(work, "docs.jsonl");
  const repeated = Array.from({length: recipe.qaRepeat}, () => qa).flat();
  await writeFile(qaPath, repeated.map((r) => JSON.stringify(r)).join("\n") + "\n");
  await writeFile(docsPath, docs.map((r) => JSON.stringify(r)).join("\n") + "\n");
  // The tokenizer learns from the same text the model reads, rendered as the model will see it.
  const textPath = join(work, "corpus.txt");
  await writeFile(textPath, [...qa.map((r) => `<human>: ${r.input}\n<bot>:${r.output}`), ...docs.map((d) => d.text)].join("\n\n"));
  log(`${faq.length} facts, ${qa.length} question/answer records (x${recipe.qaRepeat}), ${docs.length} document pieces`);
  return {dataPaths: [qaPath, docsPath], textPath};
}

async function writeTokenizer(textPath: string): Promise<string> {
  const dir = join(work, "tokenizer");
  await mkdir(dir, {recursive: true});
  const tokenizer = trainByteLevelBpe([textPath], recipe.model.vocabSize);
  await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  await writeFile(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({
      bos_token: END_OF_TEXT,
      eos_token: END_OF_TEXT,
      add_bos_token: false,
      model_max_length: recipe.model.contextLength,
      chat_template: HUMAN_BOT_CHAT_TEMPLATE
    })
  );
  log(`byte-level BPE with ${recipe.model.vocabSize} tokens -> ${dir}`);
  return dir;
}

async function runFinetune(basePath: string, dataPaths: readonly string[], resume: boolean): Promise<string> {
  const outDir = join(work, "finetune");
  const flags = {...recipe.finetune, ...(args.num_epochs == null ? {} : {num_epochs: Number(args.num_epochs)})};
  const argv = [
    "finetune",
    "--full",
    `--base_model=${basePath}`,
    `--data_path=${dataPaths.join(",")}`,
    `--output_dir=${outDir}`,
    "--train_on_inputs=False",
    "--add_eos_token=True",
    "--model_name=h2ogpt-ts-demo",
    ...Object.entries(flags).map(([name, value]) => `--${name}=${value}`),
    ...(resume ? ["--resume_from_checkpoint=True"] : [])
  ];
  log(`h2ogpt ${argv.join(" ")}`);
  const code = await main(argv);
  if (code !== 0) throw new Error(`h2ogpt finetune exited with ${code}`);
  return join(outDir, "model.gguf");
}

async function publish(modelPath: string): Promise<void> {
  await mkdir(dirname(output), {recursive: true});
  const tmp = `${output}.${process.pid}.tmp`;
  await copyFile(modelPath, tmp);
  await rename(tmp, output);
  log(`model -> ${output} (${((await stat(output)).size / 1e6).toFixed(1)} MB)`);
}

const started = performance.now();
const resume = args.resume && (await stat(join(work, "finetune")).catch(() => undefined)) != null;
if (!resume) await rm(work, {recursive: true, force: true});
await mkdir(work, {recursive: true});
const {dataPaths, textPath} = await writeCorpus();
const basePath = join(work, "init.gguf");
if (!resume) {
  const tokenizerDir = await writeTokenizer(textPath);
  const init = await writeRandomLlamaGguf({
    path: basePath,
    vocabulary: {tokenizerJson: tokenizerDir},
    nEmbd: recipe.model.embeddingLength,
    nLayer: recipe.model.blockCount,
    nHead: recipe.model.headCount,
    nHeadKv: recipe.model.headCountKv,
    nFf: recipe.model.feedForwardLength,
    contextLength: recipe.model.contextLength,
    tied: true,
    type: "F32",
    seed: 42,
    name: "h2ogpt-ts-demo"
  });
  log(`initial model: ${init.parameters.toLocaleString("en-US")} parameters -> ${basePath}`);
}
const trained = await runFinetune(basePath, dataPaths, resume);
await publish(trained);
const faq = await readFaq(join(root, "data", "default-model", "faq.json"));
const checks = await checkAnswers(output, sampleQuestions(faq, 20));
for (const check of checks.filter((c) => !c.correct)) log(`wrong: ${JSON.stringify(check.question)} -> ${JSON.stringify(check.response)}`);
log(`${checks.filter((c) => c.correct).length}/${checks.length} sampled training questions answered exactly; ${((performance.now() - started) / 60000).toFixed(1)} minutes in all`);
