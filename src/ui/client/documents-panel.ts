import {api} from "./api.js";
import {ACTIONS, LLM, type DocumentChoiceStore} from "./document-choice.js";
import {h} from "./dom.js";
import {acceptFileDrops} from "./drop-zone.js";
import {sourceName} from "./source-name.js";
import type {CollectionSummary, DocumentSummary} from "./types.js";
import {uploadFile} from "./upload.js";
import {createUploadList} from "./upload-list.js";

/**
 * The Documents panel: which collection answers come from and what to do with it (the choice is kept by
 * document-choice.ts and sent with each answer request), uploads with their progress, and the chosen collection's
 * documents (open one in the viewer, delete one, or delete them all). Document names are text, never HTML.
 */

const NEW_COLLECTION = "\u0000new";
/** The server's rule for collection names (src/docs/collections.ts), checked here to answer at once. */
const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Uploads in LLM mode go to the user's own collection, as h2oGPT's do. */
const DEFAULT_UPLOAD_COLLECTION = "MyData";

export interface DocumentsPanel {
  readonly element: HTMLElement;
  /** Reads the collections and the chosen one's documents again. */
  refresh(): Promise<void>;
  /** Uploads files into the chosen collection (MyData when the choice is LLM). */
  upload(files: readonly File[]): void;
}

export function createDocumentsPanel(options: {choice: DocumentChoiceStore; actions: readonly string[]; onOpenDocument: (collection: string, documentId: number) => void; onClose: () => void}): DocumentsPanel {
  const {choice} = options;
  let collections: CollectionSummary[] = [];
  let loaded = false;
  /** Names made with "New collection…" that hold nothing yet: the server creates a collection on its first upload. */
  const pending = new Set<string>();

  const collectionSelect = h("select", {attrs: {id: "collection", "aria-label": "Collection"}});
  const actionSelect = h(
    "select",
    {attrs: {id: "action", "aria-label": "Action"}},
    ...(options.actions.length > 0 ? options.actions : ACTIONS).map((action) => h("option", {attrs: {value: action}, text: action}))
  );
  actionSelect.value = choice.get().langchain_action;

  const newName = h("input", {attrs: {id: "new-collection-name", type: "text", placeholder: "collection name", maxlength: 64, "aria-label": "New collection name", autocomplete: "off"}});
  const newForm = h(
    "form",
    {className: "new-collection", attrs: {id: "new-collection"}},
    newName,
    h("button", {attrs: {type: "submit"}, text: "Create"}),
    h("button", {attrs: {type: "button"}, text: "Cancel", on: {click: () => cancelNew()}})
  );
  newForm.hidden = true;

  const fileInput = h("input", {attrs: {id: "upload-input", type: "file", multiple: true, "aria-label": "Files to upload"}});
  fileInput.hidden = true;
  const uploadButton = h("button", {attrs: {id: "upload", type: "button"}, text: "Upload files…", on: {click: () => fileInput.click()}});
  const uploadHint = h("small", {className: "hint"});
  const uploads = createUploadList();

  const errorLine = h("p", {className: "error", attrs: {id: "documents-error", role: "alert"}});
  const listHeading = h("h3", {attrs: {id: "documents-heading"}});
  const documentList = h("ul", {className: "document-list", attrs: {id: "document-list", "aria-labelledby": "documents-heading"}});
  const purgeButton = h("button", {className: "danger", attrs: {id: "purge-collection", type: "button"}, text: "Delete all", on: {click: () => void purge()}});
  const closeButton = h("button", {className: "icon", attrs: {id: "close-documents", type: "button", "aria-label": "Close documents"}, text: "×", on: {click: options.onClose}});

  const element = h(
    "aside",
    {className: "documents", attrs: {id: "documents-panel", "aria-label": "Documents"}},
    h("div", {className: "panel-head"}, h("h2", {text: "Documents"}), closeButton),
    h(
      "div",
      {className: "doc-pickers"},
      h("label", {className: "field"}, h("span", {text: "Collection"}), collectionSelect),
      h("label", {className: "field"}, h("span", {text: "Action"}), actionSelect)
    ),
    newForm,
    h("div", {className: "upload-area", attrs: {id: "upload-area"}}, uploadButton, fileInput, uploadHint),
    uploads.element,
    errorLine,
    h("div", {className: "documents-head"}, listHeading, purgeButton),
    documentList
  );

  const mode = (): string => choice.get().langchain_mode;
  const uploadTarget = (): string => (mode() === LLM ? DEFAULT_UPLOAD_COLLECTION : mode());
  const showError = (error: unknown): void => {
    errorLine.textContent = error instanceof Error ? error.message : String(error);
  };

  function renderPickers(): void {
    const names = collections.map((c) => c.name);
    const extra = [...pending].filter((name) => !names.includes(name));
    // Short labels: the picker sits in a narrow panel; the count tells an empty collection from a full one.
    const label = (c: CollectionSummary): string => `${c.name} (${c.documents}${c.shared ? ", shared" : ""})`;
    collectionSelect.replaceChildren(
      h("option", {attrs: {value: LLM}, text: "LLM (no documents)"}),
      ...collections.map((c) => h("option", {attrs: {value: c.name}, text: label(c)})),
      ...extra.map((name) => h("option", {attrs: {value: name}, text: `${name} · new`})),
      h("option", {attrs: {value: NEW_COLLECTION}, text: "New collection…"})
    );
    // A remembered collection that is gone (purged, or another server) falls back to LLM rather than failing each answer.
    if (loaded && mode() !== LLM && !names.includes(mode()) && !pending.has(mode())) choice.set({langchain_mode: LLM});
    // Before the first listing the remembered name has no option yet: show it as pending rather than lose it.
    if (!loaded && mode() !== LLM && !names.includes(mode())) collectionSelect.insertBefore(h("option", {attrs: {value: mode()}, text: mode()}), collectionSelect.lastChild);
    collectionSelect.value = mode();
    actionSelect.disabled = mode() === LLM;
    uploadHint.textContent = `or drop files here or on the chat · into ${uploadTarget()}`;
  }

  async function renderDocuments(): Promise<void> {
    const name = mode();
    const listing = collections.find((c) => c.name === name);
    purgeButton.hidden = listing == null || listing.documents === 0;
    if (name === LLM) {
      listHeading.textContent = "No collection";
      documentList.replaceChildren(h("li", {className: "empty-list", text: "LLM: the model answers alone. Choose a collection to answer from documents."}));
      return;
    }
    listHeading.textContent = `In ${name}`;
    if (listing == null) {
      documentList.replaceChildren(h("li", {className: "empty-list", text: "No documents yet: upload some."}));
      return;
    }
    const {documents} = await api<{documents: DocumentSummary[]}>(`/api/collections/${encodeURIComponent(name)}/documents`);
    if (mode() !== name) return;
    if (documents.length === 0) {
      documentList.replaceChildren(h("li", {className: "empty-list", text: "No documents yet: upload some."}));
      return;
    }
    documentList.replaceChildren(
      ...documents.map((document) => {
        // The file name is what the user uploaded and what the Sources list shows; a title the loader found is a hint beside it.
        const label = sourceName(document.source);
        const hint = [document.title != null && document.title !== label ? document.title : null, document.format, `${document.chunks} chunk${document.chunks === 1 ? "" : "s"}`];
        return h(
          "li",
          {className: "document", attrs: {"data-document-id": document.id}},
          h(
            "button",
            {className: "open-document", attrs: {type: "button", title: document.source}, on: {click: () => options.onOpenDocument(name, document.id)}},
            h("span", {className: "document-name", text: label}),
            h("small", {text: hint.filter(Boolean).join(" · ")})
          ),
          h("button", {
            className: "delete-document",
            attrs: {type: "button", "aria-label": `Delete ${label}`, title: "Delete document"},
            text: "×",
            on: {click: () => void deleteDocument(name, document.id, label)}
          })
        );
      })
    );
  }

  async function refresh(): Promise<void> {
    try {
      collections = (await api<{collections: CollectionSummary[]}>("/api/collections")).collections;
      loaded = true;
      for (const c of collections) if (c.documents > 0) pending.delete(c.name);
      renderPickers();
      await renderDocuments();
    } catch (error) {
      showError(error);
    }
  }

  function cancelNew(): void {
    newForm.hidden = true;
    collectionSelect.value = mode();
    collectionSelect.focus();
  }

  collectionSelect.addEventListener("change", () => {
    errorLine.textContent = "";
    if (collectionSelect.value === NEW_COLLECTION) {
      newForm.hidden = false;
      newName.value = "";
      newName.focus();
      return;
    }
    newForm.hidden = true;
    choice.set({langchain_mode: collectionSelect.value});
    renderPickers();
    void renderDocuments().catch(showError);
  });
  actionSelect.addEventListener("change", () => choice.set({langchain_action: actionSelect.value}));
  newForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = newName.value.trim();
    if (name === LLM || !COLLECTION_NAME.test(name)) {
      showError("A collection name is 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit (and not LLM).");
      return;
    }
    errorLine.textContent = "";
    if (!collections.some((c) => c.name === name)) pending.add(name);
    choice.set({langchain_mode: name});
    newForm.hidden = true;
    renderPickers();
    void renderDocuments().catch(showError);
    collectionSelect.focus();
  });

  async function deleteDocument(collection: string, id: number, label: string): Promise<void> {
    if (!confirm(`Delete ${label} from ${collection}?`)) return;
    try {
      await api(`/api/collections/${encodeURIComponent(collection)}/documents/${id}`, {method: "DELETE"});
    } catch (error) {
      showError(error);
    }
    await refresh();
  }

  async function purge(): Promise<void> {
    const name = mode();
    if (name === LLM || !confirm(`Delete every document in ${name}?`)) return;
    try {
      await api(`/api/collections/${encodeURIComponent(name)}/purge`, {body: {}});
    } catch (error) {
      showError(error);
    }
    await refresh();
  }

  function upload(files: readonly File[]): void {
    errorLine.textContent = "";
    const target = uploadTarget();
    if (mode() !== target) {
      pending.add(target);
      choice.set({langchain_mode: target});
      renderPickers();
      void renderDocuments().catch(showError);
    }
    // Uploads outlive the panel being closed; nothing cancels them yet, but uploadFile takes a signal for when something will.
    const controller = new AbortController();
    for (const file of files) {
      const row = uploads.add(file, target);
      // The server ingests one user's uploads one after another; each file's list refresh shows it as soon as it is in.
      void uploadFile(
        file,
        target,
        (update) => {
          row.update(update);
          if (update.phase === "done") void refresh();
        },
        controller.signal
      );
    }
  }

  fileInput.addEventListener("change", () => {
    const files = [...(fileInput.files ?? [])];
    fileInput.value = "";
    if (files.length > 0) upload(files);
  });
  acceptFileDrops(element, upload);

  renderPickers();
  return {element, refresh, upload};
}
