import {api, ApiError} from "./api.js";
import {byId} from "./dom.js";
import {applyStoredTheme} from "./theme.js";

/** The login page: username and password (`--auth`) and/or an API key, depending on what the server accepts. */

interface Session {
  readonly user: string | null;
  readonly login_methods: readonly ("password" | "api_key")[];
}

applyStoredTheme();
const form = byId<HTMLFormElement>("login-form");
const error = byId("login-error");

// Attached before anything is awaited, so an early click never falls back to a plain form post.
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const apiKey = String(data.get("api_key") ?? "").trim();
  const body = apiKey !== "" ? {api_key: apiKey} : {username: String(data.get("username") ?? ""), password: String(data.get("password") ?? "")};
  error.textContent = "";
  api("/auth/login", {body})
    .then(() => location.assign("/"))
    .catch((e: unknown) => (error.textContent = e instanceof ApiError ? e.message : "login failed"));
});

async function main(): Promise<void> {
  const session = await api<Session>("/auth/session");
  if (session.user != null) return location.assign("/");
  byId("password-fields").hidden = !session.login_methods.includes("password");
  byId("key-fields").hidden = !session.login_methods.includes("api_key");
  byId("or").hidden = session.login_methods.length < 2;
  const methods = session.login_methods.map((m) => (m === "password" ? "the username and password" : "an API key"));
  byId("login-how").textContent = `Log in with ${methods.join(" or ")} the server's administrator gave you.`;
  form.querySelector<HTMLInputElement>("div:not([hidden]) input")?.focus();
  document.body.classList.add("ready");
}

main().catch((e: unknown) => (error.textContent = e instanceof Error ? e.message : String(e)));
