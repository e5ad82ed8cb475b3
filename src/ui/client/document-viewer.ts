import {api} from "./api.js";
import {h} from "./dom.js";
import {sourceName} from "./source-name.js";
import type {DocumentChunk, DocumentDetail} from "./types.js";

/**
 * A document's chunks in order, with their page numbers, in a modal dialog (the browser then gives Esc, focus
 * trapping and the backdrop); a cited chunk is highlighted and scrolled to. Document text is untrusted (anyone's
 * upload), so it is only ever set as textContent.
 */

export interface DocumentViewer {
  readonly element: HTMLDialogElement;
  /** Opens document `documentId` of `collection`, highlighting chunk `chunkRowId` when given. */
  open(collection: string, documentId: number, chunkRowId?: number): Promise<void>;
}

function chunkLabel(chunk: DocumentChunk): string {
  return [chunk.page == null ? null : `page ${chunk.page}`, `chunk ${chunk.chunk_id}`].filter(Boolean).join(" · ");
}

export function createDocumentViewer(): DocumentViewer {
  const title = h("h2", {attrs: {id: "viewer-title"}});
  const subtitle = h("p", {className: "viewer-source"});
  const body = h("div", {className: "viewer-body", attrs: {id: "viewer-chunks", tabindex: -1}});
  const close = h("button", {className: "icon", attrs: {id: "close-viewer", type: "button", "aria-label": "Close document"}, text: "×"});
  const element = h(
    "dialog",
    {className: "viewer", attrs: {id: "document-viewer", "aria-labelledby": "viewer-title"}},
    h("header", {className: "viewer-head"}, h("div", {className: "viewer-titles"}, title, subtitle), close),
    body
  );
  close.addEventListener("click", () => element.close());
  // A click on the backdrop lands on the dialog itself, outside its box: close, as a tap outside a sheet does.
  element.addEventListener("click", (event) => {
    if (event.target !== element) return;
    const box = element.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) element.close();
  });

  let request = 0;
  return {
    element,
    async open(collection, documentId, chunkRowId) {
      const mine = ++request;
      title.textContent = "Loading…";
      subtitle.textContent = "";
      body.replaceChildren();
      if (!element.open) element.showModal();
      let document: DocumentDetail;
      try {
        document = await api<DocumentDetail>(`/api/collections/${encodeURIComponent(collection)}/documents/${documentId}`);
      } catch (error) {
        if (mine !== request) return;
        title.textContent = "Document not available";
        body.replaceChildren(h("p", {className: "error", text: error instanceof Error ? error.message : String(error)}));
        return;
      }
      if (mine !== request) return;
      const name = sourceName(document.source);
      title.textContent = name;
      const titleHint = document.title != null && document.title !== name ? document.title : null;
      subtitle.textContent = [titleHint, document.source, document.format, `${document.chunks.length} chunk${document.chunks.length === 1 ? "" : "s"}`].filter(Boolean).join(" · ");
      subtitle.title = document.source;
      let cited: HTMLElement | undefined;
      body.replaceChildren(
        ...document.chunks.map((chunk) => {
          const section = h(
            "section",
            {className: "chunk", attrs: {"data-chunk-row-id": chunk.chunk_row_id}},
            h("div", {className: "chunk-label", text: chunkLabel(chunk)}),
            h("div", {className: "chunk-text", text: chunk.content})
          );
          if (chunk.chunk_row_id === chunkRowId) {
            section.classList.add("cited");
            section.setAttribute("aria-current", "true");
            cited = section;
          }
          return section;
        })
      );
      if (cited != null) cited.scrollIntoView({block: "center"});
      else body.scrollTop = 0;
      // Focus the text (not the close button) so the keyboard scrolls it at once.
      body.focus({preventScroll: true});
    }
  };
}
