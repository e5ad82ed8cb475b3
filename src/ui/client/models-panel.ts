import {api} from "./api.js";
import {h} from "./dom.js";
import type {AdminModels} from "./types.js";

/**
 * The admins' Models dialog: the served models with their source, context, slots, LoRA and prompt type, each with
 * Unload; and a form that loads a GGUF (optionally with LoRA adapters) picked from the files the server lists in
 * its --models_dir. Files are only ever chosen from that list, never typed as a path. Errors are said in the
 * error style. `onChanged` runs after a load or unload, so the pickers can show the new list.
 */

export interface ModelsPanel {
  readonly element: HTMLDialogElement;
  open(): Promise<void>;
}

function sizeText(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function loadedText(at: number | string | null): string {
  if (at == null) return "";
  const date = new Date(typeof at === "number" && at < 1e12 ? at * 1000 : at);
  return Number.isNaN(date.getTime()) ? "" : ` · loaded ${date.toLocaleString()}`;
}

export function createModelsPanel(options: {promptTypes: readonly string[]; onChanged: () => Promise<void>}): ModelsPanel {
  const list = h("ul", {className: "admin-models", attrs: {id: "admin-models", "aria-labelledby": "admin-models-heading"}});
  const fileSelect = h("select", {attrs: {id: "load-file", required: true}});
  const nameInput = h("input", {attrs: {id: "load-name", type: "text", placeholder: "the file's name", autocomplete: "off", maxlength: 256}});
  const loraSelect = h("select", {attrs: {id: "load-lora", multiple: true, size: 3}});
  const promptType = h(
    "select",
    {attrs: {id: "load-prompt-type"}},
    h("option", {attrs: {value: ""}, text: "detect"}),
    ...options.promptTypes.map((name) => h("option", {attrs: {value: name}, text: name}))
  );
  const loadButton = h("button", {attrs: {id: "load-model", type: "submit"}, text: "Load"});
  const errorLine = h("p", {className: "error", attrs: {id: "models-error", role: "alert"}});
  const status = h("p", {className: "note", attrs: {id: "models-status", role: "status"}});
  const loraField = h("label", {className: "field"}, h("span", {text: "LoRA adapters (optional)"}), loraSelect);
  const form = h(
    "form",
    {className: "load-model", attrs: {id: "load-model-form", "aria-labelledby": "load-model-heading"}},
    h("h3", {attrs: {id: "load-model-heading"}, text: "Load a model"}),
    h("label", {className: "field"}, h("span", {text: "GGUF file (from the models folder)"}), fileSelect),
    h("label", {className: "field"}, h("span", {text: "Name"}), nameInput),
    loraField,
    h("label", {className: "field"}, h("span", {text: "Prompt type"}), promptType),
    loadButton
  );
  const close = h("button", {className: "icon", attrs: {id: "close-models", type: "button", "aria-label": "Close models"}, text: "×"});
  const element = h(
    "dialog",
    {className: "models-dialog", attrs: {id: "models-dialog", "aria-labelledby": "models-title"}},
    h("header", {className: "panel-head"}, h("h2", {attrs: {id: "models-title"}, text: "Models"}), close),
    h("h3", {attrs: {id: "admin-models-heading"}, text: "Served"}),
    list,
    form,
    status,
    errorLine
  );
  close.addEventListener("click", () => element.close());

  const fail = (error: unknown): void => {
    status.textContent = "";
    errorLine.textContent = error instanceof Error ? error.message : String(error);
  };

  async function refresh(): Promise<void> {
    const {models, files} = await api<AdminModels>("/api/admin/models");
    list.replaceChildren(
      ...models.map((model) =>
        h(
          "li",
          {attrs: {"data-model": model.name}},
          h(
            "div",
            {className: "admin-model-info"},
            h("strong", {text: model.name}),
            h("small", {
              text: `${model.source} · context ${model.context} · ${model.sequences} at once${model.lora.length > 0 ? ` · LoRA ${model.lora.join(", ")}` : ""}${model.prompt_type == null ? "" : ` · ${model.prompt_type}`}${loadedText(model.loaded_at)}`
            })
          ),
          h("button", {
            className: "danger unload-model",
            attrs: {type: "button", "data-model": model.name, "aria-label": `Unload ${model.name}`},
            text: "Unload",
            on: {click: () => void unload(model.name)}
          })
        )
      )
    );
    const option = (file: {file: string; size: number}): HTMLOptionElement => h("option", {attrs: {value: file.file}, text: `${file.file} (${sizeText(file.size)})`});
    const ggufs = files.filter((f) => f.kind === "gguf");
    const loras = files.filter((f) => f.kind === "lora");
    fileSelect.replaceChildren(...(ggufs.length === 0 ? [h("option", {attrs: {value: ""}, text: "no GGUF files in the models folder"})] : ggufs.map(option)));
    loraSelect.replaceChildren(...loras.map(option));
    loraField.hidden = loras.length === 0;
    loadButton.disabled = ggufs.length === 0;
  }

  async function unload(name: string): Promise<void> {
    if (!confirm(`Unload ${name}? Answers it is giving now are finished or stopped first.`)) return;
    errorLine.textContent = "";
    status.textContent = `Unloading ${name}…`;
    try {
      await api(`/api/admin/models/${encodeURIComponent(name)}`, {method: "DELETE"});
      await refresh();
      await options.onChanged();
      // Said last, so "unloaded" is announced only once the list and the pickers show it.
      status.textContent = `${name} unloaded.`;
    } catch (error) {
      fail(error);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const file = fileSelect.value;
      if (file === "") return;
      const body: Record<string, unknown> = {file};
      if (nameInput.value.trim() !== "") body.name = nameInput.value.trim();
      const lora = [...loraSelect.selectedOptions].map((o) => o.value);
      if (lora.length > 0) body.lora = lora;
      if (promptType.value !== "") body.prompt_type = promptType.value;
      errorLine.textContent = "";
      status.textContent = `Loading ${file}…`;
      loadButton.disabled = true;
      try {
        const loaded = await api<{model: {name: string}}>("/api/admin/models", {body});
        nameInput.value = "";
        await refresh();
        await options.onChanged();
        status.textContent = `${loaded.model.name} loaded.`;
      } catch (error) {
        fail(error);
      } finally {
        loadButton.disabled = fileSelect.value === "";
      }
    })();
  });

  return {
    element,
    async open() {
      errorLine.textContent = "";
      status.textContent = "";
      if (!element.open) element.showModal();
      try {
        await refresh();
      } catch (error) {
        fail(error);
      }
    }
  };
}
