/**
 * The recipe of h2ogpt-ts's shipped reward model (`npm run train:default-reward`), the model `--score_model=default`
 * loads:
 * 1. preference pairs from the default chat model's data (data/default-model/faq.json): for each question, the right
 *    answer against the answers of the 2 most similar other facts ("wrong"), of 4 random other facts ("other"), a
 *    truncated copy and an off-topic sentence, half of the training questions lightly disguised (made by
 *    ./train-default/reward-pairs.ts). The last question of every fourth fact is held out (one pair of each kind):
 *    its pairs go to data/default-reward/heldout.jsonl, which the model test scores. Twenty more hand-written wordings
 *    of each fact's question (data/default-reward/wordings.json) get their pairs made the same way;
 * 2. `h2ogpt finetune --reward --reward_pooling=mean` with LoRA on the attention weights of the built-in chat model
 *    (models/h2ogpt-ts-demo.gguf: it already knows the facts), merged and written as F16 (under 10 MB) to
 *    models/h2ogpt-ts-reward.gguf;
 * 3. the held-out pairs scored through `h2ogpt score`'s GGUF backend (llama.cpp), and the accuracy printed.
 *
 * Flags: --tiny (a few pairs and one short epoch), --proxy (every pair, one epoch: a quicker look at a recipe change),
 * --dev (the recipe without the development split's questions, scored on that split and not on the held-out
 * pairs: for comparing recipes), --set name=value (repeatable: a finetune flag of the recipe changed, for --dev
 * trials), --wordings=FILE (another list of wordings; empty: none, for --dev trials); none of these writes to
 * models/ or data/. --work_dir (default .tmp/train-default-reward[-tiny|-proxy|-dev]).
 */
import {copyFile, mkdir, rename, rm, stat, writeFile} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {main} from "../src/cli/main.js";
import {loadGgufRewardModel} from "../src/score/gguf-reward-model.js";
import {readFaq, readWordings} from "./train-default/corpus.js";
import {preferencePairs, type PreferencePair} from "./train-default/reward-pairs.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const {values: args} = parseArgs({
  options: {
    tiny: {type: "boolean", default: false},
    proxy: {type: "boolean", default: false},
    dev: {type: "boolean", default: false},
    set: {type: "string", multiple: true, default: []},
    wordings: {type: "string"},
    work_dir: {type: "string"}
  }
});
const overrides = Object.fromEntries(
  args.set.map((entry) => {
    const at = entry.indexOf("=");
    if (at <= 0) throw new Error(`--set ${entry}: expected name=value`);
    return [entry.slice(0, at), entry.slice(at + 1)];
  })
);
if ((Object.keys(overrides).length > 0 || args.wordings != null) && !args.dev && !args.tiny && !args.proxy)
  throw new Error("--set and --wordings change a trial's recipe only: add --dev, --proxy or --tiny");
const trial = args.tiny ? "tiny" : args.proxy ? "proxy" : args.dev ? "dev" : undefined;
const work = resolve(args.work_dir ?? join(root, ".tmp", trial == null ? "train-default-reward" : `train-default-reward-${trial}`));
const output = trial == null ? join(root, "models", "h2ogpt-ts-reward.gguf") : join(work, `h2ogpt-ts-reward-${trial}.gguf`);
const heldoutPath = trial == null ? join(root, "data", "default-reward", "heldout.jsonl") : join(work, "heldout.jsonl");
const log = (line: string) => process.stderr.write(`[train:default-reward] ${line}\n`);

const FINETUNE_FLAGS: Record<string, string | number | boolean> = {
  train_backend: "onnxruntime",
  reward_pooling: "mean",
  num_epochs: args.tiny ? 0.25 : args.proxy ? 1 : 6,
  lora_target_modules: "q_proj,k_proj,v_proj,o_proj",
  lora_r: 16,
  lora_alpha: 32,
  lora_dropout: 0,
  micro_batch_size: 8,
  batch_size: 32,
  learning_rate: 1e-3,
  warmup_steps: args.tiny ? 0 : 3,
  weight_decay: 0.01,
  cutoff_len: 256,
  pad_to_multiple_of: 32,
  group_by_length: true,
  val_set_size: args.tiny ? 8 : 64,
  eval_steps: 32,
  ...overrides
};

const jsonl = (pairs: readonly PreferencePair[]) => pairs.map((p) => JSON.stringify(p)).join("\n") + "\n";

async function writeAtomic(path: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), {recursive: true});
  const tmp = `${path}.${process.pid}.tmp`;
  await write(tmp);
  await rename(tmp, path);
}

const started = performance.now();
await rm(work, {recursive: true, force: true});
await mkdir(work, {recursive: true});
const faq = await readFaq(join(root, "data", "default-model", "faq.json"));
const wordingsPath = args.wordings ?? join(root, "data", "default-reward", "wordings.json");
const wordings = wordingsPath === "" ? undefined : await readWordings(wordingsPath, faq.length);
const all = preferencePairs(faq, 7, {dev: args.dev, wordings});
const train = args.tiny ? all.train.slice(0, 48) : all.train;
// A --dev trial is scored on the development split only: recipes are compared without the held-out pairs.
const heldout = args.tiny ? all.heldout.slice(0, 16) : args.dev ? all.dev : all.heldout;
const scored = args.dev ? "dev" : "held-out";
const pairsPath = join(work, "pairs.jsonl");
await writeFile(pairsPath, jsonl(train));
log(`${faq.length} facts: ${train.length} training pairs, ${heldout.length} ${scored} pairs`);

const outDir = join(work, "finetune");
const argv = [
  "finetune",
  "--reward",
  `--base_model=${join(root, "models", "h2ogpt-ts-demo.gguf")}`,
  `--data_path=${pairsPath}`,
  `--output_dir=${outDir}`,
  "--prompt_type=human_bot",
  "--output_type=f16",
  "--model_name=h2ogpt-ts-reward",
  ...Object.entries(FINETUNE_FLAGS).map(([name, value]) => `--${name}=${value}`)
];
log(`h2ogpt ${argv.join(" ")}`);
const code = await main(argv);
if (code !== 0) throw new Error(`h2ogpt finetune exited with ${code}`);

await writeAtomic(output, (tmp) => copyFile(join(outDir, "model.gguf"), tmp));
await writeAtomic(heldoutPath, (tmp) => writeFile(tmp, jsonl(heldout)));
log(`model -> ${output} (${((await stat(output)).size / 1e6).toFixed(1)} MB); ${scored} pairs -> ${heldoutPath}`);

const model = await loadGgufRewardModel({path: output});
try {
  const chosen = await model.logits(heldout.map((p) => ({question: p.prompt, answer: p.chosen})));
  const rejected = await model.logits(heldout.map((p) => ({question: p.prompt, answer: p.rejected})));
  const wins = heldout.map((_, i) => chosen[i]! > rejected[i]!);
  for (const kind of ["wrong", "truncated", "other", "off_topic"] as const) {
    const mine = wins.filter((_, i) => heldout[i]!.kind === kind);
    log(`${scored} ${kind}: ${mine.filter(Boolean).length}/${mine.length}`);
  }
  log(`${scored} accuracy ${(100 * wins.filter(Boolean).length / wins.length).toFixed(1)}%; ${((performance.now() - started) / 60000).toFixed(1)} minutes in all`);
} finally {
  await model.dispose();
}
