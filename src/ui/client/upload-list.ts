import {h} from "./dom.js";
import type {UploadUpdate} from "./upload.js";

/**
 * The Documents panel's uploads: one row per file with a progress bar through both phases (sending the bytes,
 * then the server's ingestion) and, at the end, what was added or why it failed, in the server's words.
 */

export interface UploadRow {
  update(update: UploadUpdate): void;
}

export interface UploadList {
  readonly element: HTMLElement;
  add(file: File, collection: string): UploadRow;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function createUploadList(): UploadList {
  const list = h("ul", {className: "upload-list", attrs: {id: "uploads", "aria-label": "Uploads"}});
  const clearDone = h("button", {className: "link", attrs: {id: "clear-uploads", type: "button"}, text: "Clear finished"});
  const element = h("div", {className: "uploads"}, list, clearDone);
  const refresh = (): void => {
    element.hidden = list.children.length === 0;
    clearDone.hidden = list.querySelector(".upload:not([data-state='uploading']):not([data-state='ingesting'])") == null;
  };
  clearDone.addEventListener("click", () => {
    for (const row of list.querySelectorAll(".upload[data-state='done'], .upload[data-state='failed']")) row.remove();
    refresh();
  });
  refresh();

  return {
    element,
    add(file, collection) {
      const bar = h("progress", {attrs: {max: 1, value: 0, "aria-label": `Progress of ${file.name}`}});
      const status = h("span", {className: "upload-status", attrs: {role: "status"}});
      const row = h(
        "li",
        {className: "upload", attrs: {"data-file": file.name, "data-state": "uploading"}},
        h("div", {className: "upload-head"}, h("span", {className: "upload-name", text: file.name, attrs: {title: `${file.name} → ${collection}`}}), h("small", {text: size(file.size)})),
        bar,
        status
      );
      list.appendChild(row);
      refresh();
      return {
        update(update) {
          row.dataset.state = update.phase;
          if (update.phase === "uploading") {
            bar.value = update.fraction;
            status.textContent = `uploading ${Math.round(update.fraction * 100)}%`;
          } else if (update.phase === "ingesting") {
            // Without a byte count yet the bar is indeterminate (no value attribute), which the browser animates.
            if (update.fraction == null) bar.removeAttribute("value");
            else bar.value = update.fraction;
            status.textContent = update.fraction == null ? "ingesting…" : `ingesting ${Math.round(update.fraction * 100)}%`;
          } else if (update.phase === "done") {
            bar.value = 1;
            const s = update.job.summary;
            status.textContent =
              s == null ? "done" : s.unchanged > 0 && s.added + s.updated === 0 ? "done · already in the collection, unchanged" : `done · ${s.chunks} chunk${s.chunks === 1 ? "" : "s"} in ${collection}`;
          } else {
            bar.value = 0;
            status.textContent = `failed: ${update.reason}`;
          }
          refresh();
        }
      };
    }
  };
}
