/**
 * Open/close for a side panel shown when `body` has `openClass`: a column on a wide screen, a sheet over the
 * chat on a phone. Esc closes it (unless a modal dialog is open, which Esc closes first, or another handler used
 * the key, as Esc stopping an answer does); on a phone a tap outside closes it too. Opening moves focus into the
 * panel; closing returns it to the button that opened it when focus was inside.
 */

const PHONE = "(max-width: 760px)";

export interface SidePanel {
  readonly isOpen: () => boolean;
  open(): void;
  close(): void;
  toggle(): void;
}

export function sidePanel(options: {panel: HTMLElement; toggleButton: HTMLElement; openClass: string; focusOnOpen: () => HTMLElement | null; onOpen?: () => void}): SidePanel {
  const {panel, toggleButton, openClass} = options;
  const isOpen = (): boolean => document.body.classList.contains(openClass);
  const phone = (): boolean => matchMedia(PHONE).matches;

  const open = (): void => {
    if (phone()) document.body.classList.remove("sidebar-open", "expert-open", "documents-open");
    document.body.classList.add(openClass);
    toggleButton.setAttribute("aria-expanded", "true");
    options.onOpen?.();
    options.focusOnOpen()?.focus();
  };
  const close = (): void => {
    if (!isOpen()) return;
    const hadFocus = panel.contains(document.activeElement);
    document.body.classList.remove(openClass);
    toggleButton.setAttribute("aria-expanded", "false");
    if (hadFocus) toggleButton.focus();
  };
  toggleButton.setAttribute("aria-expanded", "false");
  toggleButton.setAttribute("aria-controls", panel.id);

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented || !isOpen()) return;
    if (document.querySelector("dialog[open]") != null) return;
    event.preventDefault();
    close();
  });
  document.addEventListener("pointerdown", (event) => {
    if (!isOpen() || !phone()) return;
    const target = event.target as Node | null;
    if (target == null || panel.contains(target) || toggleButton.contains(target)) return;
    // A modal viewer opened from the panel sits above it: taps there belong to the viewer.
    if (target instanceof Element && target.closest("dialog") != null) return;
    close();
  });

  return {isOpen, open, close, toggle: () => (isOpen() ? close() : open())};
}
