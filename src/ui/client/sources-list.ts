import {h} from "./dom.js";
import {sourceName} from "./source-name.js";
import type {AnswerMeta, AnswerSource} from "./types.js";

/**
 * Under an answer from documents: the note (why no document was used, when none was) and an expandable list of
 * the cited chunks, best first: score, file name (full path in the title) and page; a click opens the chunk in
 * the viewer. Everything from a document is set as text, never parsed as HTML.
 */

export type OpenSource = (collection: string, source: AnswerSource) => void;

export function renderSources(meta: AnswerMeta | null, onOpen: OpenSource): HTMLElement | null {
  if (meta?.langchainMode == null) return null;
  const collection = meta.langchainMode;
  const sources = meta.sources ?? [];
  const note = meta.note == null || meta.note === "" ? null : h("p", {className: "doc-note", text: meta.note});
  if (sources.length === 0) return note == null ? null : h("div", {className: "doc-info"}, note);
  const items = sources.map((source, index) =>
    h(
      "li",
      {},
      h(
        "button",
        {
          className: "source",
          attrs: {type: "button", title: source.source, "data-document-id": source.document_id, "data-chunk-row-id": source.chunk_row_id, "data-rank": index + 1},
          on: {click: () => onOpen(collection, source)}
        },
        h("span", {className: "score", text: source.score.toFixed(2)}),
        h("span", {className: "source-name", text: sourceName(source.source)}),
        source.page == null ? null : h("span", {className: "page", text: `p. ${source.page}`})
      )
    )
  );
  return h(
    "div",
    {className: "doc-info"},
    note,
    h(
      "details",
      {className: "sources"},
      h("summary", {text: `Sources (${sources.length}) · ${collection}`}),
      h("ol", {className: "source-list"}, ...items)
    )
  );
}
