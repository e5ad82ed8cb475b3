import {readFile} from "node:fs/promises";
import {basename, join} from "node:path";

/** One fact of the default model: an answer and the ways people ask for it. */
export interface FaqEntry {
  readonly questions: readonly string[];
  readonly answer: string;
}

/** h2oGPT's record shape, rendered by `h2ogpt prepare` with the human_bot prompt type. */
export interface QaRecord {
  readonly input: string;
  readonly output: string;
  readonly prompt_type: "human_bot";
}

export async function readFaq(path: string): Promise<FaqEntry[]> {
  const entries = JSON.parse(await readFile(path, "utf8")) as FaqEntry[];
  entries.forEach((entry, i) => {
    if (!Array.isArray(entry.questions) || entry.questions.length === 0 || typeof entry.answer !== "string" || entry.answer === "")
      throw new Error(`${path}: entry ${i + 1} needs questions and an answer`);
  });
  return entries;
}

/**
 * More wordings of each fact's question (data/default-reward/wordings.json: one list of strings per fact, in
 * faq.json's order), which the reward model trains on and the chat model does not.
 */
export async function readWordings(path: string, facts: number): Promise<string[][]> {
  const lists = JSON.parse(await readFile(path, "utf8")) as unknown;
  if (!Array.isArray(lists) || lists.length !== facts) throw new Error(`${path}: expected ${facts} lists of wordings, one per fact of faq.json`);
  lists.forEach((list, i) => {
    if (!Array.isArray(list) || !list.every((w) => typeof w === "string" && w.trim() !== ""))
      throw new Error(`${path}: entry ${i + 1} must be a list of non-empty strings`);
  });
  return lists as string[][];
}

export function qaRecords(entries: readonly FaqEntry[]): QaRecord[] {
  return entries.flatMap((entry) => entry.questions.map((question) => ({input: question, output: entry.answer, prompt_type: "human_bot" as const})));
}

/**
 * The project's Markdown documents cut at paragraph boundaries into pieces of at most `maxChars`, each a `text`
 * record (trained on as it is), headed by its file name so pieces keep some context.
 */
export async function documentChunks(paths: readonly string[], maxChars: number): Promise<{text: string}[]> {
  const chunks: {text: string}[] = [];
  for (const path of paths) {
    const paragraphs = (await readFile(path, "utf8"))
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean);
    let current = "";
    const flush = () => {
      if (current !== "") chunks.push({text: `${basename(path)}:\n${current}`});
      current = "";
    };
    for (const paragraph of paragraphs) {
      for (let start = 0; start < paragraph.length; start += maxChars) {
        const piece = paragraph.slice(start, start + maxChars);
        if (current.length + piece.length + 2 > maxChars) flush();
        current = current === "" ? piece : `${current}\n\n${piece}`;
      }
    }
    flush();
  }
  return chunks;
}

/** The Markdown files the default model reads: README and docs/, in a stable order. */
export function documentPaths(root: string, docs: readonly string[]): string[] {
  return [join(root, "README.md"), ...[...docs].sort().map((name) => join(root, "docs", name))];
}
