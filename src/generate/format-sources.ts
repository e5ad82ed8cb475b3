import type {ScoredChunk} from "../docs/index.js";

/** h2oGPT's markers around the sources block in text answers; chat history strips what lies between them. */
export const SOURCES_START = "Sources [Score | Link]:";
export const SOURCES_END = "End Sources";
/** h2oGPT shows at most this many sources (top_k_docs_max_show). */
export const MAX_SOURCES_SHOWN = 10;

/**
 * h2oGPT's sources block as plain text: a `score | link` line per chunk (score to 2 significant digits, page when
 * known), at most 10, then the count of chunks used, between h2oGPT's markers.
 *
 * @example
 * formatSources([{source: "/docs/a.pdf", page: 3, score: 0.8123, ...}])
 * // "Sources [Score | Link]:\n0.81 | /docs/a.pdf (page 3)\nTotal document chunks used: 1\nEnd Sources"
 */
export function formatSources(sources: readonly Pick<ScoredChunk, "source" | "page" | "score">[]): string {
  const lines = sources.slice(0, MAX_SOURCES_SHOWN).map((hit) => `${Number(hit.score.toPrecision(2))} | ${hit.source}${hit.page == null ? "" : ` (page ${hit.page})`}`);
  return [SOURCES_START, ...lines, `Total document chunks used: ${sources.length}`, SOURCES_END].join("\n");
}

/** Removes sources blocks from an answer kept in chat history (unless keep_sources_in_context). */
export function stripSources(text: string): string {
  let out = text;
  for (;;) {
    const start = out.indexOf(SOURCES_START);
    if (start === -1) return out;
    const end = out.indexOf(SOURCES_END, start);
    if (end === -1) return out.slice(0, start).trimEnd();
    out = (out.slice(0, start).trimEnd() + out.slice(end + SOURCES_END.length)).trimEnd();
  }
}
