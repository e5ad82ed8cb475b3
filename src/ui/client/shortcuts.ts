import {h} from "./dom.js";

/**
 * The keyboard shortcuts, listed in a dialog that `?` (outside a text field) or the header's button opens and Esc
 * closes (a modal dialog: the browser traps focus and gives it back).
 */

export const SHORTCUTS: readonly (readonly [keys: string, action: string])[] = [
  ["Enter", "send the message"],
  ["Shift+Enter", "new line in the message"],
  ["Esc", "stop the answers; close a panel or dialog"],
  ["/", "go to the message box"],
  ["Alt+Shift+N", "new chat"],
  ["Alt+Shift+R", "regenerate the last answer"],
  ["?", "this list"]
];

export interface ShortcutsDialog {
  readonly element: HTMLDialogElement;
  readonly button: HTMLButtonElement;
  open(): void;
}

/** True when a key pressed in `target` is typing, not a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit"].includes(target.type));
}

export function createShortcutsDialog(): ShortcutsDialog {
  const close = h("button", {className: "icon", attrs: {id: "close-shortcuts", type: "button", "aria-label": "Close shortcuts"}, text: "×"});
  const element = h(
    "dialog",
    {className: "shortcuts", attrs: {id: "shortcuts", "aria-labelledby": "shortcuts-title"}},
    h("header", {className: "panel-head"}, h("h2", {attrs: {id: "shortcuts-title"}, text: "Keyboard shortcuts"}), close),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {attrs: {scope: "col"}, text: "Keys"}), h("th", {attrs: {scope: "col"}, text: "Action"}))),
      h("tbody", {}, ...SHORTCUTS.map(([keys, action]) => h("tr", {}, h("td", {}, h("kbd", {text: keys})), h("td", {text: action}))))
    )
  );
  close.addEventListener("click", () => element.close());
  const open = (): void => {
    if (!element.open) element.showModal();
    close.focus();
  };
  const button = h("button", {className: "icon", attrs: {id: "show-shortcuts", type: "button", "aria-label": "Keyboard shortcuts", title: "Keyboard shortcuts (?)", "aria-haspopup": "dialog"}, text: "⌨", on: {click: open}});
  return {element, button, open};
}
