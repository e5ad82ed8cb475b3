import {h} from "./dom.js";

/**
 * Light and dark themes. The page follows the system's prefers-color-scheme until the user picks one with the
 * toggle; that choice is kept in localStorage and applied before the first paint of every page (the login page
 * too), as `data-theme` on <html>, which app.css reads.
 */

const THEME_KEY = "h2ogpt.theme";
export type Theme = "light" | "dark";

function stored(): Theme | null {
  const value = localStorage.getItem(THEME_KEY);
  return value === "light" || value === "dark" ? value : null;
}

/** The theme shown now: the stored choice, else the system's. */
export function currentTheme(): Theme {
  return stored() ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
}

/** Applies the stored choice (if any) to the page. */
export function applyStoredTheme(): void {
  const theme = stored();
  if (theme == null) document.documentElement.removeAttribute("data-theme");
  else document.documentElement.dataset.theme = theme;
}

/** A button that switches between the themes and remembers the choice. */
export function createThemeToggle(): HTMLButtonElement {
  const button = h("button", {className: "icon", attrs: {id: "toggle-theme", type: "button"}});
  const show = (): void => {
    const dark = currentTheme() === "dark";
    button.textContent = dark ? "☀" : "☾";
    button.setAttribute("aria-label", dark ? "Switch to the light theme" : "Switch to the dark theme");
    button.title = button.getAttribute("aria-label")!;
  };
  button.addEventListener("click", () => {
    localStorage.setItem(THEME_KEY, currentTheme() === "dark" ? "light" : "dark");
    applyStoredTheme();
    show();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", show);
  show();
  return button;
}
