import {execFileSync} from "node:child_process";
import {mkdirSync} from "node:fs";
import {join} from "node:path";
import {chromium, type Browser, type BrowserContext, type Dialog, type Page} from "playwright-core";
import {expect} from "vitest";
import {projectRoot} from "./shared.js";

/**
 * What the web UI's browser tests (src/ui/*.model.test.ts) share: Debian's Chromium and its flags, the UI bundle
 * built once per file, sessions that record every console error, page error, unexpected dialog and request that
 * leaves the server, and the few page steps every file takes (open the expert panel, set a number, send).
 */

export const CHROMIUM = "/usr/bin/chromium";
export const BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
/** Where the UI tests' screenshots go. */
export const UI_RESULTS = join(projectRoot, "test-results");
export const DESKTOP = {width: 1366, height: 900};
export const PHONE = {width: 390, height: 844};

/** One headless Chromium for a test file, which opens a fresh context per test (openSession). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({executablePath: CHROMIUM, args: BROWSER_ARGS});
}

/** Closes every context the file opened, then its browser (undefined when beforeAll failed before launching it). */
export async function closeBrowser(browser: Browser | undefined, contexts: readonly BrowserContext[]): Promise<void> {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
}

/** Builds the UI bundle (scripts/build-ui.mjs) the server serves, and makes test-results/. */
export function buildUi(): void {
  execFileSync(process.execPath, [join(projectRoot, "scripts/build-ui.mjs")], {stdio: "inherit"});
  mkdirSync(UI_RESULTS, {recursive: true});
}

/**
 * Records into `problems` what no UI test expects on `page`: console errors, page errors, requests to anywhere but
 * `serverUrl`, and dialogs, each dismissed unless `acceptDialog` says the test expects it (then it is accepted).
 */
export function watchProblems(page: Page, serverUrl: string, problems: string[], acceptDialog: (dialog: Dialog) => boolean = () => false): void {
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(String(error)));
  page.on("dialog", (dialog) => {
    if (acceptDialog(dialog)) void dialog.accept();
    else {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    }
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(serverUrl)) problems.push(`outside request: ${request.url()}`);
  });
}

/** A persistent-profile Chromium at 1280x800 (one page for the whole file) in `profileDir`. */
export async function launchPersistentPage(profileDir: string): Promise<{context: BrowserContext; page: Page}> {
  const context = await chromium.launchPersistentContext(profileDir, {executablePath: CHROMIUM, args: BROWSER_ARGS, viewport: {width: 1280, height: 800}});
  return {context, page: context.pages()[0] ?? (await context.newPage())};
}

/** Logs `context` in through the API (no form), as a test that is not about logging in does. */
export async function logInByApi(context: BrowserContext, serverUrl: string, username: string, password: string): Promise<void> {
  expect((await context.request.post(`${serverUrl}/auth/login`, {data: {username, password}})).status()).toBe(200);
}

export interface UiSession {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors, page errors, unexpected dialogs and requests that leave the server. */
  readonly problems: string[];
  /** Dialog messages the test expects and accepts, in order. */
  readonly accept: string[];
}

export interface OpenSessionOptions {
  readonly browser: Browser;
  readonly serverUrl: string;
  /** Every context opened, for the file's afterAll to close. */
  readonly contexts: BrowserContext[];
  readonly viewport?: {width: number; height: number};
  /** Logged in through the API before the page opens; none stays logged out. */
  readonly user?: {username: string; password: string};
  readonly path?: string;
  readonly bypassCSP?: boolean;
  readonly colorScheme?: "light" | "dark";
  readonly clipboard?: boolean;
}

/** A fresh browser context (its own storage and cookies, so each test stands alone) on `path`, the UI ready. */
export async function openSession(options: OpenSessionOptions): Promise<UiSession> {
  const context = await options.browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    bypassCSP: options.bypassCSP ?? false,
    colorScheme: options.colorScheme ?? "light",
    permissions: options.clipboard === true ? ["clipboard-read", "clipboard-write"] : []
  });
  options.contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  const accept: string[] = [];
  watchProblems(page, options.serverUrl, problems, (dialog) => {
    const expected = accept.shift();
    return expected != null && dialog.message().includes(expected);
  });
  if (options.user != null) await logInByApi(context, options.serverUrl, options.user.username, options.user.password);
  await page.goto(options.serverUrl + (options.path ?? "/"));
  await page.waitForSelector("body.ready");
  return {page, context, problems, accept};
}

export async function openExpert(page: Page): Promise<void> {
  if (!(await page.isVisible("#expert-panel"))) await page.click("#toggle-expert");
  await page.waitForSelector("#expert-panel", {state: "visible"});
}

/** Types `value` into the expert panel's `key` setting and leaves the field, as a user does. */
export async function setNumber(page: Page, key: string, value: number): Promise<void> {
  await openExpert(page);
  await page.fill(`#setting-${key}`, String(value));
  await page.press(`#setting-${key}`, "Tab");
}

/** Sends `text` from the prompt box and waits until the answer is finished. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill("#prompt", text);
  await page.keyboard.press("Enter");
  await page.waitForSelector("body.busy", {state: "detached"});
}
