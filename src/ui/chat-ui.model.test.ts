import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {BrowserContext, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {tinyServedModel} from "../../test/server/real-model.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {buildUi, launchPersistentPage, UI_RESULTS, watchProblems} from "../../test/support/ui-harness.js";
import {startServer, type RunningServer} from "../server/index.js";

/**
 * The web UI in Debian's Chromium against a real server and llama.cpp: log in, send a message and watch it
 * stream, stop one, reload and find the chat; model output cannot inject HTML; the layout works at phone
 * width. Screenshots go to test-results/.
 */

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-ui-"));

describe.skipIf(tinyLlamaPath == null)("web chat UI in Chromium", () => {
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    buildUi();
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({alice: {password: "wonderland"}}));
    server = await startServer({
      models: [
        await tinyServedModel({name: "tiny", notice: "a random-weight test model: its answers are gibberish"}),
        await tinyServedModel({name: "tiny-b"})
      ],
      port: 0,
      authFile,
      historyDb: join(dir, "history.db"),
      promptTypes: ["plain", "human_bot"]
    });
    ({context, page} = await launchPersistentPage(join(dir, "profile")));
    watchProblems(page, server.url, problems);
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  /** The first test logs in through the form; the others log in and make a chat themselves when run alone (vitest -t). */
  async function loggedInWithAChat(): Promise<void> {
    const session = await (await context.request.get(`${server.url}/auth/session`)).json();
    if (session.user == null) {
      const login = await context.request.post(`${server.url}/auth/login`, {data: {username: "alice", password: "wonderland"}});
      expect(login.status()).toBe(200);
    }
    const {chats} = await (await context.request.get(`${server.url}/api/chats`)).json();
    if (chats.length === 0) expect((await context.request.post(`${server.url}/api/chats`, {data: {title: "Who are you?"}})).status()).toBe(201);
    if (!page.url().startsWith(server.url)) await page.goto(server.url);
    await page.waitForSelector("body.ready");
  }

  async function setMaxNewTokens(value: number): Promise<void> {
    if (!(await page.isVisible("#setting-max_new_tokens"))) await page.click("#toggle-expert");
    await page.fill("#setting-max_new_tokens", String(value));
    await page.press("#setting-max_new_tokens", "Tab");
    await page.click("#toggle-expert");
  }

  it("logs in, streams an answer, stops one, and finds the chat after a reload", async () => {
    await page.goto(server.url);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.waitForSelector("body.ready");
    await page.fill("#username", "alice");
    await page.fill("#password", "wrong");
    await page.click("#login");
    await expect.poll(() => page.textContent("#login-error"), {timeout: 15_000}).toBe("wrong username or password");
    // The browser logs the refused login's 401 as a console error; that one is expected.
    problems.splice(0, problems.length, ...problems.filter((p) => !p.includes("status of 401")));
    await page.fill("#password", "wonderland");
    await page.click("#login");
    await page.waitForSelector("body.ready");
    expect(await page.textContent("#notice")).toContain("random-weight test model");

    await setMaxNewTokens(300);
    // Record the answer's length on every DOM change to see it grow while streaming.
    await page.evaluate(() => {
      const lengths: number[] = [];
      (window as unknown as {lengths: number[]}).lengths = lengths;
      new MutationObserver(() => {
        const answer = document.querySelector(".answer .markdown");
        if (answer != null) lengths.push(answer.textContent!.length);
      }).observe(document.getElementById("conversation")!, {subtree: true, childList: true, characterData: true});
    });
    await page.fill("#prompt", "Who are you?");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".answer[data-status='complete']");
    const lengths = await page.evaluate(() => (window as unknown as {lengths: number[]}).lengths);
    const distinct = [...new Set(lengths.filter((n) => n > 0))];
    expect(distinct.length).toBeGreaterThanOrEqual(3);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    expect(await page.textContent(".answer .meta")).toMatch(/prompt tokens · \d+ new tokens · [\d.]+ s · stop: (length|eos)/);
    await page.screenshot({path: join(UI_RESULTS, "chat-ui-answer.png")});

    await setMaxNewTokens(4000);
    await page.fill("#prompt", "Now talk for a long time.");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (document.querySelectorAll(".answer .markdown")[1]?.textContent ?? "").length > 20);
    expect(await page.isVisible("#stop")).toBe(true);
    await page.keyboard.press("Escape");
    await page.waitForSelector(".turn:nth-of-type(2) .answer[data-status='stopped']");
    expect(await page.textContent(".turn:nth-of-type(2) .answer .meta")).toContain("stopped");

    // The server stores the stopped answer once the engine has stopped: reload after that, not during it.
    const storedStatus = async (): Promise<string | undefined> => {
      const api = (path: string) => new URL(path, page.url()).href;
      const {chats} = (await (await page.request.get(api("/api/chats"))).json()) as {chats: {id: string}[]};
      const chat = (await (await page.request.get(api(`/api/chats/${chats[0]!.id}`))).json()) as {messages: {status: string}[]};
      return chat.messages.at(-1)?.status;
    };
    await expect.poll(storedStatus, {timeout: 10_000}).toBe("stopped");

    const title = "Who are you?";
    await page.reload();
    await page.waitForSelector("body.ready");
    await page.click("#new-chat");
    expect(await page.locator(".turn").count()).toBe(0);
    await page.click(`.open-chat:has-text("${title}")`);
    await page.waitForSelector(".turn:nth-of-type(2) .answer[data-status='stopped']");
    expect(await page.locator(".turn").count()).toBe(2);
    expect(await page.textContent(".turn:nth-of-type(1) .bubble.user")).toBe(title);
    await page.screenshot({path: join(UI_RESULTS, "chat-ui-reloaded.png")});
    expect(problems).toEqual([]);
  });

  it("never renders HTML or script from model output, streamed or stored", async () => {
    await loggedInWithAChat();
    const hostile = [
      "Here: <img src=x onerror=\"document.title='pwned'\"> and <script>document.title='pwned'</script>",
      "[link](javascript:alert(1)) <iframe src=\"https://example.com\"></iframe> <b onclick=alert(1)>b</b>",
      "![tracker](https://example.com/leak.png?q=secret)",
      "```html\n<script>alert(1)</script>\n```"
    ].join("\n\n");
    // The model's words are replaced by hostile text both on the wire and in the stored chat the UI re-reads.
    await page.route("**/api/chats/*/answer", (route) =>
      route.fulfill({
        status: 200,
        contentType: "text/event-stream",
        body:
          `event: start\ndata: {"message_id":1,"model":"tiny","turn":1}\n\n` +
          `event: delta\ndata: ${JSON.stringify({text: hostile})}\n\n` +
          `event: done\ndata: ${JSON.stringify({status: "complete", meta: {}, content: hostile})}\n\n`
      })
    );
    await page.route(/\/api\/chats\/[\w-]{22}$/, async (route) => {
      const response = await route.fetch();
      const chat = await response.json();
      chat.messages.push({id: 999, turn: 1, role: "assistant", model: "tiny", content: hostile, status: "complete", meta: {}});
      await route.fulfill({response, json: chat});
    });
    const check = async (): Promise<void> => {
      const markdown = page.locator(".answer .markdown");
      await expect.poll(() => markdown.count()).toBe(1);
      expect(await markdown.locator("img, script, iframe, [onerror], [onclick]").count()).toBe(0);
      expect(await markdown.locator("a[href^='javascript']").count()).toBe(0);
      expect(await markdown.textContent()).toContain("<script>alert(1)</script>");
      expect(await page.title()).toBe("h2oGPT");
    };
    await page.click("#new-chat");
    await page.fill("#prompt", "show me something");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".answer[data-status='complete']");
    await check();
    await page.reload();
    await page.waitForSelector("body.ready");
    await page.waitForSelector(".answer[data-status='complete']");
    await check();
    await page.unrouteAll();
    expect(problems).toEqual([]);
  });

  it("compares two models side by side; regenerate, undo and clear work", async () => {
    await loggedInWithAChat();
    await setMaxNewTokens(40);
    await page.click("#new-chat");
    await page.check("#compare");
    await page.check("#compare-models input[value='tiny-b']");
    await page.fill("#prompt", "Compare me");
    await page.click("#send");
    await page.waitForSelector(".answer[data-model='tiny'][data-status='complete']");
    await page.waitForSelector(".answer[data-model='tiny-b'][data-status='complete']");
    const left = await page.locator(".answer[data-model='tiny']").boundingBox();
    const right = await page.locator(".answer[data-model='tiny-b']").boundingBox();
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    expect(Math.abs(right!.y - left!.y)).toBeLessThan(2);
    expect(await page.textContent(".answer[data-model='tiny-b'] .model-name")).toBe("tiny-b");
    await page.screenshot({path: join(UI_RESULTS, "chat-ui-compare.png")});

    const before = await page.textContent(".answer[data-model='tiny'] .meta");
    await page.click("#regenerate");
    await page.waitForSelector("body.busy", {state: "detached"});
    await page.waitForSelector(".answer[data-model='tiny'][data-status='complete']");
    expect(await page.locator(".answer").count()).toBe(2);
    expect(await page.textContent(".answer[data-model='tiny'] .meta")).toMatch(/new tokens/);
    expect(before).toMatch(/new tokens/);

    await page.fill("#prompt", "Second turn");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".turn:nth-of-type(2) .answer[data-model='tiny-b'][data-status='complete']");
    await page.click("#undo");
    await expect.poll(() => page.locator(".turn").count()).toBe(1);
    await page.click("#clear");
    await expect.poll(() => page.locator(".turn").count()).toBe(0);
    await page.uncheck("#compare");
    expect(problems).toEqual([]);
  });

  it("fits a phone-width screen", async () => {
    await loggedInWithAChat();
    await page.setViewportSize({width: 390, height: 844});
    await page.reload();
    await page.waitForSelector("body.ready");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.isVisible("#sidebar")).toBe(false);
    await page.click("#toggle-sidebar");
    expect(await page.isVisible("#sidebar")).toBe(true);
    await page.click(".open-chat >> nth=0");
    await expect.poll(() => page.isVisible("#sidebar")).toBe(false);
    expect(await page.isVisible("#prompt")).toBe(true);
    await page.screenshot({path: join(UI_RESULTS, "chat-ui-phone.png")});
  });
});
