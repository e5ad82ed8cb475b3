/**
 * Text as the full-text index sees it. SQLite's unicode61 tokenizer (with porter stemming and diacritics removed)
 * handles English and accented Latin text, but it treats a run of CJK characters, which has no spaces, as one
 * token, so a question could never match a word inside a sentence. CJK runs are therefore indexed and queried as
 * overlapping character bigrams (as Lucene's CJK analyzer does); other text passes through untouched.
 */

const CJK_RUN = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u31f0-\u31ff]+/gu;
const HAS_CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u31f0-\u31ff]/u;
/** What unicode61 keeps as token characters: letters, marks and numbers; everything else separates tokens. */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** More terms than this make a query slow and say little more. */
const MAX_QUERY_TERMS = 48;

/** English words too common to tell chunks apart; dropped from questions (never from the index). */
const STOP_WORDS = new Set(
  ("a about above after again against all am an and any are as at be because been before being below between both but by " +
    "can could did do does doing down during each few for from further had has have having he her here hers herself him " +
    "himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other " +
    "our ours ourselves out over own same she should so some such than that the their theirs them themselves then there " +
    "these they this those through to too under until up very was we were what when where which while who whom why will " +
    "with would you your yours yourself yourselves tell please give according").split(" ")
);

function bigrams(run: string): string {
  const chars = Array.from(run);
  if (chars.length === 1) return ` ${run} `;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) pairs.push(chars[i]! + chars[i + 1]!);
  return ` ${pairs.join(" ")} `;
}

/** The text stored in the full-text index for a chunk: the chunk itself, with CJK runs as bigrams. */
export function indexedText(text: string): string {
  return HAS_CJK.test(text) ? text.replace(CJK_RUN, bigrams) : text;
}

/**
 * The terms of a question: words (lower-cased), CJK bigrams, without English stop words unless nothing else is
 * left, each once. Punctuation, operators and emoji are separators, so no user text reaches MATCH as syntax.
 */
export function queryTerms(query: string): string[] {
  const words = indexedText(query.normalize("NFKC")).toLowerCase().match(WORD) ?? [];
  const unique = [...new Set(words)];
  const content = unique.filter((word) => !STOP_WORDS.has(word));
  return (content.length > 0 ? content : unique).slice(0, MAX_QUERY_TERMS);
}

/** An FTS5 MATCH expression that ORs the terms, each a quoted string (quotes doubled), so none is read as syntax. */
export function matchExpression(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(" OR ");
}
