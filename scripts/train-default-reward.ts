/**
 * The recipe of h2ogpt-ts's shipped reward model (`npm run train:default-reward`), the model `--score_model=default`
 * loads:
 * 1. preference pairs from the default chat model's data (data/default-model/faq.json): for each question, the right
 *    answer against the answers of the 2 most similar other facts ("wrong"), of 4 random other facts ("other"), a
 *    truncated copy and an off-topic sentence, half of the training questions lightly disguised. The last question
 *    of every fourth fact is held out (one pair of each kind): its pairs go to data/default-reward/heldout.jsonl,
 *    which the model test scores;
 * 2. `h2ogpt finetune --reward` with LoRA on the attention weights of the built-in chat model
 *    (models/h2ogpt-ts-demo.gguf: it already knows the facts), merged and written as F16 (under 10 MB) to
 *    models/h2ogpt-ts-reward.gguf;
 * 3. the held-out pairs scored through `h2ogpt score`'s GGUF backend (llama.cpp), and the accuracy printed.
 *
 * Flags: --tiny (a few pairs and one short epoch), --proxy (every pair, one epoch: a quicker look at a recipe change);
 * neither writes to models/ or data/. --work_dir (default .tmp/train-default-reward[-tiny|-proxy]).
 */
import {copyFile, mkdir, rename, rm, stat, writeFile} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {main} from "../src/cli/main.js";
import {loadGgufRewardModel} from "../src/score/gguf-reward-model.js";
import {Random} from "../src/train/random.js";
import {readFaq, type FaqEntry} from "./train-default/corpus.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const {values: args} = parseArgs({options: {tiny: {type: "boolean", default: false}, proxy: {type: "boolean", default: false}, work_dir: {type: "string"}}});
const trial = args.tiny ? "tiny" : args.proxy ? "proxy" : undefined;
const work = resolve(args.work_dir ?? join(root, ".tmp", trial == null ? "train-default-reward" : `train-default-reward-${trial}`));
const output = trial == null ? join(root, "models", "h2ogpt-ts-reward.gguf") : join(work, `h2ogpt-ts-reward-${trial}.gguf`);
const heldoutPath = trial == null ? join(root, "data", "default-reward", "heldout.jsonl") : join(work, "heldout.jsonl");
const log = (line: string) => process.stderr.write(`[train:default-reward] ${line}\n`);

const FINETUNE_FLAGS = {
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
  eval_steps: 32
};

const TRAIN_NEGATIVES: NegativeCounts = {similar: 2, others: 4};

/** Answers about nothing the model knows. */
const OFF_TOPIC = [
  "The weather will be sunny tomorrow with a light breeze from the west.",
  "Preheat the oven to 180 degrees and bake the bread for forty minutes.",
  "The match ended two to one after a late goal in extra time.",
  "Paris is the capital of France and sits on the river Seine.",
  "Water boils at one hundred degrees Celsius at sea level.",
  "My favourite colour is blue, and I like long walks on the beach.",
  "The train to the airport leaves every fifteen minutes from platform four.",
  "Cats sleep for most of the day and hunt at dusk.",
  "Add a pinch of salt and stir the soup until it thickens.",
  "The museum is closed on Mondays and open late on Fridays.",
  "Mount Everest is the highest mountain above sea level.",
  "Remember to water the tomatoes every evening in summer.",
  "The concert starts at eight, so we should leave at seven.",
  "Bananas are rich in potassium and easy to carry.",
  "He painted the fence green and then went fishing."
];

export interface PreferencePair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
  readonly kind: "wrong" | "truncated" | "other" | "off_topic";
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9_-]+/g) ?? []);
}

/** The other facts, most similar answer first (shared words over all words), skipping facts with the same answer. */
function bySimilarity(entries: readonly FaqEntry[], index: number): number[] {
  const mine = words(entries[index]!.answer);
  const scored: [number, number][] = [];
  entries.forEach((entry, j) => {
    if (j === index || entry.answer === entries[index]!.answer) return;
    const theirs = words(entry.answer);
    const shared = [...theirs].filter((w) => mine.has(w)).length;
    scored.push([j, shared / (mine.size + theirs.size - shared)]);
  });
  return scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([j]) => j);
}

/** The answer cut after 30-60% of its words (always shorter, never empty). */
function truncated(answer: string, random: Random): string {
  const parts = answer.split(" ");
  const keep = Math.max(2, Math.min(parts.length - 1, Math.round(parts.length * (0.3 + 0.3 * random.next()))));
  return parts.slice(0, keep).join(" ");
}

/** How many answers of other facts a question is paired against. */
export interface NegativeCounts {
  /** The answers of the most similar facts ("wrong"). */
  readonly similar: number;
  /** The answers of random other facts ("other"). */
  readonly others: number;
}

/**
 * A question's right answer against the answers of several other facts, a truncated copy of itself and an off-topic
 * sentence. Several answer-vs-answer pairs per question matter: with one, every answer is chosen far more often than
 * it is rejected, and the model learns which answers are good instead of which answer fits the question.
 */
function pairsFor(entries: readonly FaqEntry[], index: number, question: string, random: Random, counts: NegativeCounts): PreferencePair[] {
  const answer = entries[index]!.answer;
  const similar = bySimilarity(entries, index).slice(0, counts.similar);
  const others: number[] = [];
  while (others.length < counts.others) {
    const j = Math.floor(random.next() * entries.length);
    if (j !== index && !similar.includes(j) && !others.includes(j) && entries[j]!.answer !== answer) others.push(j);
  }
  return [
    ...similar.map((j): PreferencePair => ({prompt: question, chosen: answer, rejected: entries[j]!.answer, kind: "wrong"})),
    {prompt: question, chosen: answer, rejected: truncated(answer, random), kind: "truncated"},
    ...others.map((j): PreferencePair => ({prompt: question, chosen: answer, rejected: entries[j]!.answer, kind: "other"})),
    {prompt: question, chosen: answer, rejected: OFF_TOPIC[Math.floor(random.next() * OFF_TOPIC.length)]!, kind: "off_topic"}
  ];
}

const FILLERS = ["Please tell me: ", "Quick question: ", "I wonder, ", "Hi! ", "Can you tell me this: "];

/**
 * Half the training pairs get their question disguised a little (lower-cased without its final mark, one word
 * dropped, or behind a filler) so the model leans less on the exact wording of the questions it trained on.
 */
function perturbed(question: string, random: Random): string {
  if (random.next() >= 0.5) return question;
  const r = random.next();
  if (r < 0.25) return question.toLowerCase().replace(/[?.!]+$/, "");
  if (r < 0.5) {
    const parts = question.split(" ");
    if (parts.length < 4) return question;
    parts.splice(Math.floor(random.next() * parts.length), 1);
    return parts.join(" ");
  }
  if (r < 0.75) return FILLERS[Math.floor(random.next() * FILLERS.length)]! + question[0]!.toLowerCase() + question.slice(1);
  return question;
}

/**
 * Training pairs (TRAIN_NEGATIVES per question, half of them with a disguised question), and the held-out pairs
 * (one of each kind) of the last question of every fourth fact. A held-out question is never a training prompt, but its fact is: the other questions of that
 * fact are trained on, with the same right answer.
 */
export function preferencePairs(entries: readonly FaqEntry[], seed = 7): {train: PreferencePair[]; heldout: PreferencePair[]} {
  const random = new Random(seed);
  const disguise = new Random(seed + 1);
  const train: PreferencePair[] = [];
  const heldout: PreferencePair[] = [];
  entries.forEach((entry, index) => {
    entry.questions.forEach((question, q) => {
      const held = index % 4 === 0 && q === entry.questions.length - 1;
      if (held) heldout.push(...pairsFor(entries, index, question, random, {similar: 1, others: 1}));
      else train.push(...pairsFor(entries, index, question, random, TRAIN_NEGATIVES).map((pair) => ({...pair, prompt: perturbed(pair.prompt, disguise)})));
    });
  });
  return {train, heldout};
}

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
const all = preferencePairs(faq);
const train = args.tiny ? all.train.slice(0, 48) : all.train;
const heldout = args.tiny ? all.heldout.slice(0, 16) : all.heldout;
const pairsPath = join(work, "pairs.jsonl");
await writeFile(pairsPath, jsonl(train));
log(`${faq.length} facts: ${train.length} training pairs, ${heldout.length} held-out pairs`);

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
log(`model -> ${output} (${((await stat(output)).size / 1e6).toFixed(1)} MB); held-out pairs -> ${heldoutPath}`);

const model = await loadGgufRewardModel({path: output});
try {
  const chosen = await model.logits(heldout.map((p) => ({question: p.prompt, answer: p.chosen})));
  const rejected = await model.logits(heldout.map((p) => ({question: p.prompt, answer: p.rejected})));
  const wins = heldout.map((_, i) => chosen[i]! > rejected[i]!);
  for (const kind of ["wrong", "truncated", "other", "off_topic"] as const) {
    const mine = wins.filter((_, i) => heldout[i]!.kind === kind);
    log(`held-out ${kind}: ${mine.filter(Boolean).length}/${mine.length}`);
  }
  log(`held-out accuracy ${(100 * wins.filter(Boolean).length / wins.length).toFixed(1)}%; ${((performance.now() - started) / 60000).toFixed(1)} minutes in all`);
} finally {
  await model.dispose();
}
