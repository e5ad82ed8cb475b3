import {h} from "./dom.js";
import type {ModelInfo} from "./types.js";

/**
 * The header's model choice: one model from a list, or, with Compare ticked, any number of the served models
 * side by side (h2oGPT's model_lock columns), one checkbox each. Columns keep the served order. The list can
 * change while the page is open (an admin loads or unloads a model).
 */

export interface ModelPicker {
  readonly element: HTMLElement;
  /** The models the next answer goes to, in column order. */
  selected(): string[];
  /** Shows a chat's models (Compare on when it has more than one). */
  set(models: readonly string[]): void;
  /** The served models changed. */
  setServed(models: readonly ModelInfo[]): void;
  onChange(listener: () => void): void;
}

export function createModelPicker(served: readonly ModelInfo[]): ModelPicker {
  let names = served.map((m) => m.name);
  let infos = served;
  const listeners: (() => void)[] = [];
  const changed = (): void => {
    show();
    for (const listener of listeners) listener();
  };

  const single = h("select", {attrs: {id: "model", "aria-label": "Model"}, on: {change: changed}});
  const compare = h("input", {attrs: {id: "compare", type: "checkbox"}, on: {change: () => (compare.checked && startCompare(), changed())}});
  const compareLabel = h("label", {className: "compare", attrs: {title: "Send each message to several models side by side"}}, compare, " Compare");
  const boxes = h("fieldset", {className: "compare-models", attrs: {id: "compare-models"}}, h("legend", {className: "visually-hidden", text: "Models to compare"}));
  const element = h("div", {className: "models"}, single, compareLabel, boxes);

  const checked = (): string[] => [...boxes.querySelectorAll<HTMLInputElement>("input:checked")].map((box) => box.value);

  function render(): void {
    const keep = single.value || names[0]!;
    const ticked = new Set(checked());
    single.replaceChildren(
      ...infos.map((m) => h("option", {attrs: {value: m.name, title: `${m.engine} · context ${m.context ?? m.context_length} tokens`}, text: m.name}))
    );
    single.value = names.includes(keep) ? keep : names[0]!;
    boxes.querySelectorAll("label").forEach((label) => label.remove());
    for (const name of names) {
      const box = h("input", {attrs: {type: "checkbox", name: "compare-model", value: name}, on: {change: changed}});
      box.checked = ticked.has(name);
      boxes.appendChild(h("label", {className: "compare-model"}, box, ` ${name}`));
    }
    compareLabel.hidden = names.length < 2;
    if (names.length < 2) compare.checked = false;
  }

  /** Turning Compare on starts from the current model and the next one. */
  function startCompare(): void {
    if (checked().length >= 2) return;
    const first = single.value;
    const next = names[(names.indexOf(first) + 1) % names.length];
    for (const box of boxes.querySelectorAll<HTMLInputElement>("input")) box.checked = box.value === first || box.value === next;
  }

  function show(): void {
    boxes.hidden = !compare.checked;
    single.hidden = compare.checked;
  }

  render();
  show();
  return {
    element,
    selected() {
      if (!compare.checked) return [single.value];
      const chosen = checked();
      return chosen.length === 0 ? [single.value] : chosen;
    },
    set(models) {
      const known = models.filter((m) => names.includes(m));
      if (known[0] != null) single.value = known[0];
      compare.checked = known.length > 1;
      for (const box of boxes.querySelectorAll<HTMLInputElement>("input")) box.checked = known.length > 1 && known.includes(box.value);
      show();
    },
    setServed(models) {
      infos = models;
      names = models.map((m) => m.name);
      render();
      show();
    },
    onChange: (listener) => void listeners.push(listener)
  };
}
