import {InputFileError, UsageError} from "../errors/index.js";
import {readRawRecords} from "../data/index.js";
import {renderTrainingString, resolvePromptType, type ChatTemplate} from "../prompts/index.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {Random} from "./random.js";
import type {RewardRow} from "./reward-batch.js";

/** The field names a preference record may use for each part (ours, TRL's / axolotl's, h2oGPT's). */
export const REWARD_FIELDS = {
  prompt: ["prompt", "question", "instruction"],
  chosen: ["chosen", "response_j"],
  rejected: ["rejected", "response_k"]
} as const;

/** A record that gave no pair, with where it was (`file:line: detail`). */
export interface RewardProblem {
  readonly file: string;
  readonly line: number;
  readonly detail: string;
}

export interface RewardPairsOptions {
  /** Records: a file, a comma-separated list, an array or a folder, in any format `h2ogpt prepare` reads. */
  readonly dataPath: string | readonly string[];
  /** A GGUF (or tokenizer.json / folder) whose tokenizer the base model uses. */
  readonly tokenizer: string;
  readonly cwd?: string;
  readonly promptType?: string | number;
  readonly promptDict?: string | Readonly<Record<string, unknown>>;
  readonly systemPrompt?: string;
  /** Jinja text for prompt_type unknown/template (default: the tokenizer's). */
  readonly chatTemplate?: string;
  /** Most tokens per sequence (default 512); longer ones keep their end (the answer) or follow `excessLengthStrategy`. */
  readonly cutoffLen?: number;
  readonly excessLengthStrategy?: "truncate" | "drop" | "raise";
  /** Pairs held out for evaluation: a count, or a fraction below 1 (default 0). */
  readonly valSetSize?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
}

export interface RewardPairs {
  /** Tokenized pairs; held-out ones have `split: "valid"`. */
  readonly rows: RewardRow[];
  readonly read: number;
  readonly truncated: number;
  readonly dropped: RewardProblem[];
  readonly promptType: string;
}

/**
 * A scored sequence: the prompt type's training string (prompt + answer) tokenized as the tokenizer's
 * post-processor does, EOS appended (the reward is read there), cut to its last `maxLength` tokens keeping a
 * leading BOS. `h2ogpt score` builds the same sequence (src/score/gguf-reward-model.ts; a test checks they agree).
 */
export function rewardSequence(tokenizer: Tokenizer, text: string, maxLength: number): {ids: number[]; truncated: boolean} {
  const ids = tokenizer.encode(text);
  if (tokenizer.eosTokenId != null && ids.at(-1) !== tokenizer.eosTokenId) ids.push(tokenizer.eosTokenId);
  if (ids.length <= maxLength) return {ids, truncated: false};
  const bos = tokenizer.bosTokenId != null && ids[0] === tokenizer.bosTokenId ? [ids[0]] : [];
  return {ids: [...bos, ...ids.slice(ids.length - (maxLength - bos.length))], truncated: true};
}

function field(value: Record<string, unknown>, names: readonly string[]): {name: string; value: unknown} | undefined {
  for (const name of names) if (value[name] != null && value[name] !== "") return {name, value: value[name]};
  return undefined;
}

/** The three texts of a record, or why it has none. */
function pairTexts(value: unknown): {prompt: string; input: string; chosen: string; rejected: string} | string {
  if (value == null || typeof value !== "object" || Array.isArray(value)) return "the record is not an object";
  const record = value as Record<string, unknown>;
  const texts: Record<string, string> = {};
  for (const [part, names] of Object.entries(REWARD_FIELDS)) {
    const found = field(record, names);
    if (found == null) return `no ${part} (one of ${names.join(", ")})`;
    if (typeof found.value !== "string") return `field '${found.name}' is not a string`;
    texts[part] = found.value;
  }
  const input = record.input;
  if (input != null && typeof input !== "string") return "field 'input' is not a string";
  if (texts.chosen === texts.rejected) return "chosen and rejected are the same text";
  return {prompt: texts.prompt!, input: input ?? "", chosen: texts.chosen!, rejected: texts.rejected!};
}

/**
 * Reads preference records `{prompt | question | instruction (+ input), chosen | response_j, rejected | response_k}`
 * and tokenizes each answer with the prompt as `h2ogpt finetune` builds training strings (prompt type, system
 * prompt, template). Records that give no pair are reported with file:line and skipped.
 *
 * @example
 * const pairs = await readRewardPairs({dataPath: "pairs.jsonl", tokenizer: "model.gguf", promptType: "human_bot"});
 * await finetune({baseModel: "model.gguf", rows: pairs.rows, outputDir: "out", reward: {maxLength: 512}});
 */
export async function readRewardPairs(options: RewardPairsOptions): Promise<RewardPairs> {
  const cutoffLen = options.cutoffLen ?? 512;
  if (!Number.isInteger(cutoffLen) || cutoffLen < 2) throw new UsageError(`--cutoff_len: expected an integer of at least 2, got ${cutoffLen}`);
  const promptType = resolvePromptType(options.promptType ?? "plain").name;
  const tokenizer = await loadTokenizer(options.tokenizer);
  const chatTemplate = templateOf(tokenizer, options.chatTemplate);
  const pairs: RewardRow[] = [];
  const dropped: RewardProblem[] = [];
  let read = 0;
  let truncated = 0;
  try {
    for await (const item of readRawRecords({dataPath: options.dataPath, cwd: options.cwd, signal: options.signal, onWarning: options.onWarning})) {
      read++;
      const {file, line} = item.source;
      if ("problem" in item) {
        dropped.push({file, line, detail: item.problem.detail});
        continue;
      }
      const texts = pairTexts(item.value);
      if (typeof texts === "string") {
        dropped.push({file, line, detail: texts});
        continue;
      }
      const sequence = (output: string) => {
        const {text} = renderTrainingString({
          promptType,
          promptDict: options.promptDict,
          systemPrompt: options.systemPrompt,
          chatTemplate,
          record: {instruction: texts.prompt, input: texts.input, output}
        });
        return rewardSequence(tokenizer, text, cutoffLen);
      };
      const chosen = sequence(texts.chosen);
      const rejected = sequence(texts.rejected);
      if (chosen.truncated || rejected.truncated) {
        if (options.excessLengthStrategy === "raise")
          throw new InputFileError(`${file}:${line}`, `more than --cutoff_len=${cutoffLen} tokens (--excess_length_strategy=raise)`);
        if (options.excessLengthStrategy === "drop") {
          dropped.push({file, line, detail: `more than --cutoff_len=${cutoffLen} tokens`});
          continue;
        }
        truncated++;
      }
      pairs.push({inputIds: Int32Array.from(chosen.ids), labels: Int32Array.from(chosen.ids), rejectedIds: Int32Array.from(rejected.ids)});
    }
  } finally {
    tokenizer.dispose();
  }
  for (const problem of dropped) options.onWarning?.(`${problem.file}:${problem.line}: skipped: ${problem.detail}`);
  return {rows: withValidation(pairs, options.valSetSize ?? 0, options.seed ?? 42), read, truncated, dropped, promptType};
}

function templateOf(tokenizer: Tokenizer, given: string | undefined): ChatTemplate | undefined {
  const template = given ?? tokenizer.chatTemplate;
  if (template == null) return undefined;
  const text = (id: number | undefined) => (id == null ? undefined : tokenizer.decode([id]));
  return {template, bosToken: text(tokenizer.bosTokenId), eosToken: text(tokenizer.eosTokenId), source: given == null ? "the tokenizer" : "--chat_template"};
}

/** Marks `valSetSize` pairs (a count, or a fraction below 1), chosen by the seed, as validation pairs. */
function withValidation(pairs: RewardRow[], valSetSize: number, seed: number): RewardRow[] {
  if (!(valSetSize >= 0)) throw new UsageError(`--val_set_size: expected 0 or more, got ${valSetSize}`);
  const count = Math.min(pairs.length - 1, valSetSize < 1 ? Math.round(valSetSize * pairs.length) : Math.floor(valSetSize));
  if (count <= 0) return pairs;
  const held = new Set(new Random(seed).permutation(pairs.length).slice(0, count));
  return pairs.map((pair, i) => (held.has(i) ? {...pair, split: "valid" as const} : pair));
}
