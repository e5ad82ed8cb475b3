/**
 * h2oGPT's document prompts (src/gpt_langchain.py, spec §5), to the character. The retrieved chunks go between
 * `<all_documents>` tags, joined by docs_joiner, and the whole text becomes the user's message, which the prompt
 * type or chat template then wraps like any other.
 */

export const LANGCHAIN_ACTIONS = ["Query", "Summarize", "Extract"] as const;
export type LangchainAction = (typeof LANGCHAIN_ACTIONS)[number];

export const DOCS_ORDERING_TYPES = ["best_near_prompt", "best_first", "reverse_ucurve_sort"] as const;
export type DocsOrderingType = (typeof DOCS_ORDERING_TYPES)[number];

export const DOCS_TOKEN_HANDLINGS = ["split_or_merge", "chunk"] as const;
export type DocsTokenHandling = (typeof DOCS_TOKEN_HANDLINGS)[number];

export const DOCUMENT_SUBSETS = ["Relevant", "RelSources", "TopKSources"] as const;
export type DocumentSubset = (typeof DOCUMENT_SUBSETS)[number];

export const PRE_PROMPT_QUERY =
  "Pay attention and remember the information below, which will help to answer the question or imperative after the context ends.";
export const PROMPT_QUERY =
  'According to only the information in any chat history, any images given, or any document text provided within the context above, give a well-structured response (that starts with "According to") to:';
export const PRE_PROMPT_SUMMARY = "In order to write a concise summary, pay attention to the following text.";
export const PROMPT_SUMMARY =
  "Using only the information in the document sources above, write a condensed and concise well-structured Markdown summary of key results.";
export const DOCS_JOINER = "\n\n";
/** What Summarize and Extract answer when there is nothing to read (h2oGPT asks the model to say it; we say it). */
export const NO_DOCUMENTS_TO_SUMMARIZE = "There are no documents to summarize/extract from.";
export const NO_DOCUMENTS_TO_QUERY = "There are no documents to answer from.";

export interface DocumentPromptTexts {
  readonly prePromptQuery?: string;
  readonly promptQuery?: string;
  readonly prePromptSummary?: string;
  readonly promptSummary?: string;
  readonly docsJoiner?: string;
}

/**
 * The Query message: `pre_prompt_query + "\n<all_documents>\n" + docs + "\n</all_documents>\n" + prompt_query +
 * "\n" + question`; with no documents, h2oGPT's `"{context}{question}"` with an empty context: the question alone.
 *
 * @example
 * queryMessage({documents: ["Bees dance."], question: "How do bees talk?"})
 * // "Pay attention ... context ends.\n<all_documents>\nBees dance.\n</all_documents>\nAccording to only ... to:\nHow do bees talk?"
 */
export function queryMessage(options: DocumentPromptTexts & {documents: readonly string[]; question: string}): string {
  if (options.documents.length === 0) return options.question;
  const context = options.documents.join(options.docsJoiner ?? DOCS_JOINER);
  return `${options.prePromptQuery ?? PRE_PROMPT_QUERY}\n<all_documents>\n${context}\n</all_documents>\n${options.promptQuery ?? PROMPT_QUERY}\n${options.question}`;
}

/**
 * The Summarize / Extract message: the same shape without a question, ending with "\n"; a focus (the user's
 * instruction) prefixes the prompt as h2oGPT does: `"Focusing on <focus>, " + prompt_summary`.
 */
export function summaryMessage(options: DocumentPromptTexts & {documents: readonly string[]; focus?: string}): string {
  const context = options.documents.join(options.docsJoiner ?? DOCS_JOINER);
  const prompt = options.promptSummary ?? PROMPT_SUMMARY;
  const focused = options.focus ? `Focusing on ${options.focus}, ${prompt}` : prompt;
  return `${options.prePromptSummary ?? PRE_PROMPT_SUMMARY}\n<all_documents>\n${context}\n</all_documents>\n${focused}\n`;
}

/**
 * Puts chunks (given best first) in prompt order: `best_first` as given; `best_near_prompt` reversed, so the best
 * chunk sits right before the question; `reverse_ucurve_sort` as h2oGPT's reverse_ucurve_list: the 2nd, 4th, ...
 * best first, then the rest from the weakest to the best, so the two best chunks sit at both ends (the best next
 * to the question) and the weakest in the middle, where models attend least.
 */
export function orderDocuments<T>(best: readonly T[], ordering: DocsOrderingType): T[] {
  if (ordering === "best_first") return [...best];
  if (ordering === "best_near_prompt") return [...best].reverse();
  const front: T[] = [];
  const back: T[] = [];
  best.forEach((item, index) => (index % 2 === 1 ? front : back).push(item));
  return [...front, ...back.reverse()];
}
