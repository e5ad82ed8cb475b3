import {Random} from "../../src/train/random.js";
import type {FaqEntry} from "./corpus.js";

/** The negatives of each training question. */
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

/** Words that say little about which fact a question asks for. */
const FUNCTION_WORDS = new Set(
  "a an the is are was were be do does did i you me my your it its of to in on for with and or how what which why where when who can could should would will this that these those there about please".split(" ")
);

function contentWords(text: string): Set<string> {
  return new Set([...words(text)].filter((w) => !FUNCTION_WORDS.has(w)));
}

/**
 * Whether an extra wording is too close to a question kept out of training: it shares at least half of that
 * question's content words. Such a wording would make the held-out (or dev) question a seen one in all but name.
 */
function nearHidden(wording: string, hidden: string): boolean {
  const target = contentWords(hidden);
  if (target.size === 0) return false;
  const mine = contentWords(wording);
  return [...target].filter((w) => mine.has(w)).length * 2 >= target.size;
}

/** Facts whose last question is held out (0, 4, 8, ...), and those whose last question is the dev split's (2, 6, ...). */
const heldOutFact = (index: number) => index % 4 === 0;
const devFact = (index: number) => index % 4 === 2;

/**
 * Training pairs (TRAIN_NEGATIVES per question, half of them with a disguised question), and the held-out pairs
 * (one of each kind) of the last question of every fourth fact. A held-out question is never a training prompt, but
 * its fact is: the other questions of that fact are trained on, with the same right answer.
 *
 * With `dev`, the pairs of the last question of the facts 2, 6, 10, ... (undisguised, all TRAIN_NEGATIVES kinds)
 * leave the training pairs for a development split, to compare recipes on without looking at the held-out pairs;
 * every other pair stays exactly as without it.
 *
 * `wordings` (one list per fact, data/default-reward/wordings.json) are more ways to ask each fact's question, for
 * training only. Their pairs come after the others, from random streams of their own, so the held-out and dev pairs
 * are the same with or without them; a wording sharing half the content words of its fact's held-out or dev
 * question is left out, with or without `dev`, so a dev trial trains on what the full recipe trains on.
 */
export function preferencePairs(
  entries: readonly FaqEntry[],
  seed = 7,
  options: {dev?: boolean; wordings?: readonly (readonly string[])[]} = {}
): {train: PreferencePair[]; heldout: PreferencePair[]; dev: PreferencePair[]} {
  const random = new Random(seed);
  const disguise = new Random(seed + 1);
  const train: PreferencePair[] = [];
  const heldout: PreferencePair[] = [];
  const dev: PreferencePair[] = [];
  entries.forEach((entry, index) => {
    entry.questions.forEach((question, q) => {
      const last = q === entry.questions.length - 1;
      if (heldOutFact(index) && last) {
        heldout.push(...pairsFor(entries, index, question, random, {similar: 1, others: 1}));
        return;
      }
      const pairs = pairsFor(entries, index, question, random, TRAIN_NEGATIVES);
      const disguised = pairs.map((pair) => ({...pair, prompt: perturbed(pair.prompt, disguise)}));
      if (options.dev === true && devFact(index) && last) dev.push(...pairs);
      else train.push(...disguised);
    });
  });
  if (options.wordings != null) {
    if (options.wordings.length !== entries.length) throw new RangeError(`wordings: ${options.wordings.length} lists for ${entries.length} facts`);
    const extraRandom = new Random(seed + 2);
    const extraDisguise = new Random(seed + 3);
    options.wordings.forEach((list, index) => {
      const hidden = heldOutFact(index) || devFact(index) ? entries[index]!.questions.at(-1)! : undefined;
      for (const wording of list) {
        if (hidden != null && nearHidden(wording, hidden)) continue;
        const pairs = pairsFor(entries, index, wording, extraRandom, TRAIN_NEGATIVES);
        train.push(...pairs.map((pair) => ({...pair, prompt: perturbed(pair.prompt, extraDisguise)})));
      }
    });
  }
  return {train, heldout, dev};
}
