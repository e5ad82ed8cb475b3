import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Browser, BrowserContext, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createEngine} from "../engine/index.js";
import {tinyServedModel} from "../../test/server/real-model.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {buildUi, closeBrowser, DESKTOP, launchBrowser, openExpert, openSession, PHONE, send, setNumber, UI_RESULTS, type UiSession} from "../../test/support/ui-harness.js";
import {engineModel, startServer, type RunningServer} from "../server/index.js";

/**
 * The web UI defects of issue 13, each checked in Debian's Chromium against a real server and llama.cpp: one
 * browser for the file, a fresh browser context (storage, cookies) per test, so each test stands alone. The
 * first model is served with `--temperature=0.8 --top_p=0.9 --top_k=40` as flags, the second with h2oGPT's
 * defaults. Screenshots (desktop 1366x900, phone 390x844) go to test-results/.
 */

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-ui-defects-"));
const DANGER = "rgb(180, 35, 24)";

describe.skipIf(tinyLlamaPath == null)("web UI defects (issue 13) in Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildUi();
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({alice: {password: "wonderland"}}));
    const engine = await createEngine({baseModel: tinyLlamaPath!, sequences: 2, contextLength: 2048});
    server = await startServer({
      models: [
        engineModel({engine, name: "tiny", promptType: "plain", notice: "a random-weight test model: its answers are gibberish", defaults: {temperature: 0.8, topP: 0.9, topK: 40}}),
        await tinyServedModel({name: "tiny-b"})
      ],
      port: 0,
      authFile,
      historyDb: join(dir, "history.db"),
      promptTypes: ["plain", "human_bot", "custom"]
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.close();
  });

  /** A fresh browser context, logged in as alice (unless `login` is false), on the chat page. */
  async function open(options: {viewport?: {width: number; height: number}; login?: boolean; path?: string} = {}): Promise<UiSession> {
    const {login, ...rest} = options;
    return openSession({browser, serverUrl: server.url, contexts, user: login === false ? undefined : {username: "alice", password: "wonderland"}, ...rest});
  }

  /**
   * Answers come from the test, not the model, on the wire and in the stored chat the UI re-reads (each user turn
   * without an answer gets the latest reply); returns the answer requests' bodies.
   */
  async function cannedAnswers(page: Page, answer: (body: Record<string, unknown>) => string | {error: string} = () => "All right."): Promise<Record<string, unknown>[]> {
    const bodies: Record<string, unknown>[] = [];
    let latest: string | {error: string} | undefined;
    await page.route(/\/api\/chats\/[\w-]{22}$/, async (route) => {
      if (route.request().method() !== "GET" || latest == null) return route.fallback();
      const response = await route.fetch();
      const chat = await response.json();
      const answered = new Set(chat.messages.filter((m: {role: string}) => m.role === "assistant").map((m: {turn: number}) => m.turn));
      for (const message of [...chat.messages]) {
        if (message.role !== "user" || answered.has(message.turn)) continue;
        const error = typeof latest === "string" ? null : latest.error;
        chat.messages.push({id: 100_000 + message.turn, turn: message.turn, role: "assistant", model: chat.models[0], content: error == null ? latest : "", status: error == null ? "complete" : "error", meta: error == null ? {} : {error}});
      }
      await route.fulfill({response, json: chat});
    });
    await page.route("**/api/chats/*/answer", (route) => {
      const body = route.request().postDataJSON() as Record<string, unknown>;
      bodies.push(body);
      const reply = answer(body);
      latest = reply;
      const start = `event: start\ndata: ${JSON.stringify({message_id: 0, model: body.model, turn: 1})}\n\n`;
      const rest =
        typeof reply === "string"
          ? `event: delta\ndata: ${JSON.stringify({text: reply})}\n\nevent: done\ndata: ${JSON.stringify({status: "complete", meta: {}, content: reply})}\n\n`
          : `event: error\ndata: ${JSON.stringify({error: {message: reply.error}})}\n\n`;
      return route.fulfill({status: 200, contentType: "text/event-stream", body: start + rest});
    });
    return bodies;
  }

  const SAMPLING_KEYS = ["temperature", "top_p", "top_k", "max_new_tokens", "repetition_penalty", "do_sample"];

  it("2: starts from the server's defaults and sends only what the user changed", async () => {
    const {page, problems} = await open();
    const bodies = await cannedAnswers(page);
    await openExpert(page);
    expect(await page.inputValue("#setting-temperature")).toBe("0.8");
    expect(await page.inputValue("#setting-top_p")).toBe("0.9");
    expect(await page.inputValue("#setting-top_k")).toBe("40");
    await send(page, "Use the server's settings");
    expect(bodies).toHaveLength(1);
    expect(Object.keys(bodies[0]!).filter((key) => SAMPLING_KEYS.includes(key))).toEqual([]);

    await setNumber(page, "temperature", 0.3);
    await send(page, "Now a little cooler");
    expect(bodies[1]).toMatchObject({temperature: 0.3, do_sample: true});
    expect(Object.keys(bodies[1]!).filter((key) => SAMPLING_KEYS.includes(key)).sort()).toEqual(["do_sample", "temperature"]);
    // The change is kept across a reload; going back to the default value forgets it.
    await page.reload();
    await page.waitForSelector("body.ready");
    await openExpert(page);
    expect(await page.inputValue("#setting-temperature")).toBe("0.3");
    await setNumber(page, "temperature", 0.8);
    await send(page, "Back to the defaults");
    expect(Object.keys(bodies.at(-1)!).filter((key) => SAMPLING_KEYS.includes(key))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("3: a temperature above 0 samples (do_sample, top k never 1), and the panel says so", async () => {
    const {page, problems} = await open();
    const bodies = await cannedAnswers(page);
    await page.selectOption("#model", "tiny-b");
    await openExpert(page);
    expect(await page.inputValue("#setting-temperature")).toBe("0");
    expect(await page.textContent("#sampling-note")).toMatch(/greedy/i);
    await setNumber(page, "top_k", 1);
    await setNumber(page, "temperature", 0.7);
    expect(await page.inputValue("#setting-top_k")).toBe("0");
    const note = await page.textContent("#sampling-note");
    expect(note).toMatch(/Sampling \(do_sample\): temperature 0\.7/);
    expect(note).toMatch(/top k/i);
    await send(page, "Sample please");
    expect(bodies[0]).toMatchObject({model: "tiny-b", temperature: 0.7, do_sample: true});
    expect(bodies[0]!.top_k ?? 0).toBe(0);
    // Top k 1 cannot come back while sampling.
    await setNumber(page, "top_k", 1);
    expect(await page.inputValue("#setting-top_k")).toBe("0");
    expect(problems).toEqual([]);
  });

  it("4: a double Enter sends once and makes one chat", async () => {
    const {page, context, problems} = await open();
    await cannedAnswers(page);
    // A slow chat creation is when a second Enter used to start a second chat.
    await page.route(`${server.url}/api/chats`, async (route) => {
      if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    const text = `Double enter ${Date.now()}`;
    await page.fill("#prompt", text);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".answer[data-status='complete']");
    await page.waitForSelector("body.busy", {state: "detached"});
    const {chats} = await (await context.request.get(`${server.url}/api/chats`)).json();
    const made = chats.filter((chat: {title: string}) => chat.title === text);
    expect(made).toHaveLength(1);
    const chat = await (await context.request.get(`${server.url}/api/chats/${made[0].id}`)).json();
    expect(chat.messages.filter((m: {role: string}) => m.role === "user")).toHaveLength(1);
    expect(await page.locator(".turn").count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it("10: after Stop the saved answer is exactly what was shown", async () => {
    const {page, problems} = await open();
    await page.selectOption("#model", "tiny-b");
    await setNumber(page, "max_new_tokens", 2000);
    await page.click("#close-expert");
    for (let round = 0; round < 3; round++) {
      await page.fill("#prompt", `Talk for a long time, round ${round}.`);
      await page.keyboard.press("Enter");
      await page.waitForFunction((n) => (document.querySelectorAll(".answer .markdown")[n]?.textContent ?? "").length > 60, round);
      await page.keyboard.press("Escape");
      await page.waitForSelector(`.turn:nth-of-type(${round + 1}) .answer[data-status='stopped']`);
      await page.waitForSelector("body.busy", {state: "detached"});
    }
    const shown = await page.locator(".answer .markdown").allTextContents();
    // The server saves a stopped answer a moment after the Stop; reload until it has.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.waitForSelector("body.ready");
          await page.waitForSelector(".turn:nth-of-type(3) .answer[data-status='stopped']");
          return page.locator(".answer .markdown").allTextContents();
        },
        {timeout: 20_000, interval: 500}
      )
      .toEqual(shown);
    expect(problems).toEqual([]);
  });

  it("6: prompt type custom has a prompt_dict editor checked as the CLI checks it; answer errors are shown as errors", async () => {
    const {page, problems} = await open();
    await page.selectOption("#model", "tiny-b");
    await setNumber(page, "max_new_tokens", 16);
    expect(await page.isVisible("#prompt-dict")).toBe(false);
    await page.selectOption("#prompt-type", "custom");
    expect(await page.isVisible("#prompt-dict")).toBe(true);
    expect(await page.textContent("#prompt-dict-error")).toContain("needs a prompt_dict");
    await page.fill("#prompt-dict", "{'PreInstrut': 'Q: '}");
    expect(await page.textContent("#prompt-dict-error")).toBe("prompt_dict.PreInstrut: is not one of h2oGPT's prompt_dict fields");
    await page.fill("#prompt-dict", "{'PreInstruct': 'Q: ',");
    expect(await page.textContent("#prompt-dict-error")).toMatch(/^prompt_dict: not JSON or a Python literal/);
    // Sending with a bad prompt_dict asks nothing of the server and says why, in the error style.
    let answers = 0;
    page.on("request", (request) => void (request.url().endsWith("/answer") && answers++));
    await page.fill("#prompt", "Hello custom");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#error")).toContain("prompt_dict");
    expect(await page.$eval("#error", (e) => getComputedStyle(e).color)).toBe(DANGER);
    expect(answers).toBe(0);

    await page.fill("#prompt-dict", "{'PreInstruct': 'Q: ', 'PreResponse': 'A:', 'terminate_response': ['Q:']}");
    expect(await page.textContent("#prompt-dict-error")).toBe("");
    const request = page.waitForRequest((r) => r.url().endsWith("/answer"));
    await page.keyboard.press("Tab");
    await page.fill("#prompt", "Hello custom");
    await page.keyboard.press("Enter");
    expect((await request).postDataJSON()).toMatchObject({prompt_type: "custom", prompt_dict: "{'PreInstruct': 'Q: ', 'PreResponse': 'A:', 'terminate_response': ['Q:']}"});
    await page.waitForSelector(".answer[data-status='complete']");

    // Any answer error is shown in the error style and announced.
    await cannedAnswers(page, () => ({error: "prompt_dict.PreInstruct: expected a string or None, got 3"}));
    await send(page, "Fail please");
    const failed = page.locator(".answer[data-status='error'] .meta");
    expect(await failed.textContent()).toContain("expected a string or None");
    expect(await failed.getAttribute("role")).toBe("alert");
    expect(await failed.evaluate((e) => getComputedStyle(e).color)).toBe(DANGER);
    expect(problems).toEqual([]);
  });

  it("1: on a phone both panels close with a button, Esc and a tap outside, and focus goes in and back", async () => {
    const {page, problems} = await open({viewport: PHONE});
    for (const [toggle, panel, close, outside] of [
      ["#toggle-expert", "#expert-panel", "#close-expert", {x: 30, y: 600}],
      ["#toggle-sidebar", "#sidebar", "#close-sidebar", {x: 370, y: 600}]
    ] as const) {
      await page.click(toggle);
      await page.waitForSelector(panel, {state: "visible"});
      expect(await page.evaluate((p) => document.querySelector(p)!.contains(document.activeElement), panel)).toBe(true);
      expect(await page.getAttribute(toggle, "aria-expanded")).toBe("true");
      await page.click(close);
      await page.waitForSelector(panel, {state: "hidden"});
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(toggle.slice(1));
      expect(await page.getAttribute(toggle, "aria-expanded")).toBe("false");

      await page.click(toggle);
      await page.waitForSelector(panel, {state: "visible"});
      await page.keyboard.press("Escape");
      await page.waitForSelector(panel, {state: "hidden"});

      await page.click(toggle);
      await page.waitForSelector(panel, {state: "visible"});
      await page.mouse.click(outside.x, outside.y);
      await page.waitForSelector(panel, {state: "hidden"});
    }
    expect(problems).toEqual([]);
  });

  it("5: compared turns stay grouped, labelled and in order after Compare is turned off, and after a reload", async () => {
    const {page, problems} = await open();
    await setNumber(page, "max_new_tokens", 8);
    await page.click("#new-chat");
    await page.check("#compare");
    await page.check("#compare-models input[value='tiny-b']");
    await send(page, "Compare this");
    await page.waitForSelector(".turn:nth-of-type(1) .answer[data-model='tiny-b'][data-status='complete']");
    await page.uncheck("#compare");
    await send(page, "Just one now");
    await page.waitForSelector(".turn:nth-of-type(2) .answer[data-status='complete']");
    const check = async (): Promise<void> => {
      const first = page.locator(".turn:nth-of-type(1) .answer");
      expect(await first.evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.model))).toEqual(["tiny", "tiny-b"]);
      expect(await page.locator(".turn:nth-of-type(1) .answer .model-name").allTextContents()).toEqual(["tiny", "tiny-b"]);
      const [left, right] = [await first.nth(0).boundingBox(), await first.nth(1).boundingBox()];
      expect(Math.abs(left!.y - right!.y)).toBeLessThan(2);
      expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
      expect(await page.locator(".turn:nth-of-type(2) .answer").count()).toBe(1);
      expect(await page.locator(".turn:nth-of-type(2) .answer .model-name").count()).toBe(0);
    };
    await check();
    await page.reload();
    await page.waitForSelector("body.ready");
    await page.waitForSelector(".turn:nth-of-type(2) .answer[data-status='complete']");
    await check();
    expect(problems).toEqual([]);
  });

  it("8: Max new tokens shows the real limit: the server's cap or the model's context, whichever is smaller", async () => {
    const {page, problems} = await open();
    await openExpert(page);
    // The prompt takes at least one token of the context, so the server's real limit is context - 1.
    expect(await page.getAttribute("#setting-max_new_tokens", "max")).toBe("2047");
    const hint = await page.locator("#setting-max_new_tokens + small").textContent();
    expect(hint).toContain("at most 2047");
    expect(hint).toContain("context is 2048 tokens");
    expect(hint).not.toContain("4096");
    await setNumber(page, "max_new_tokens", 4000);
    expect(await page.inputValue("#setting-max_new_tokens")).toBe("2047");
    expect(problems).toEqual([]);
  });

  it("11: Regenerate, Undo and Clear are off on an empty chat", async () => {
    const {page, problems} = await open();
    await cannedAnswers(page);
    await page.click("#new-chat");
    for (const id of ["#regenerate", "#undo", "#clear"]) expect(await page.isDisabled(id)).toBe(true);
    await send(page, "Something to undo");
    await page.waitForSelector(".answer[data-status='complete']");
    for (const id of ["#regenerate", "#undo", "#clear"]) expect(await page.isDisabled(id)).toBe(false);
    await page.click("#undo");
    await expect.poll(() => page.locator(".turn").count()).toBe(0);
    for (const id of ["#regenerate", "#undo", "#clear"]) expect(await page.isDisabled(id)).toBe(true);
    expect(problems).toEqual([]);
  });

  it("7: Clear can be undone, and clears the chat on the server only when the offer ends", async () => {
    const {page, context, problems} = await open();
    await cannedAnswers(page);
    await page.click("#new-chat");
    await send(page, "Keep me");
    const chatId = /#chat=([\w-]+)/.exec(page.url())![1]!;
    const stored = async (): Promise<number> => (await (await context.request.get(`${server.url}/api/chats/${chatId}`)).json()).messages.length;
    await page.click("#clear");
    expect(await page.locator(".turn").count()).toBe(0);
    expect(await page.isVisible("#undo-clear")).toBe(true);
    await page.click("#undo-clear");
    expect(await page.locator(".turn").count()).toBe(1);
    expect(await stored()).toBe(1);
    await page.reload();
    await page.waitForSelector("body.ready");
    expect(await page.locator(".turn").count()).toBe(1);
    // Without Undo, leaving the chat clears it.
    await page.click("#clear");
    await page.click("#new-chat");
    await expect.poll(stored).toBe(0);
    expect(problems).toEqual([]);
  });

  it("12: on a phone every control is at least 44 px high", async () => {
    const {page, problems} = await open({viewport: PHONE});
    await cannedAnswers(page, () => "Some code:\n\n```\nx = 1\n```");
    await send(page, "Tap targets");
    await page.waitForSelector(".answer[data-status='complete']");
    const small = (): Promise<string[]> =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>("button, select, input:not([type=checkbox]), textarea, label.compare")]
          .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden")
          .filter((e) => e.getBoundingClientRect().height < 44 || (e.tagName === "BUTTON" && e.getBoundingClientRect().width < 44))
          .map((e) => `${e.id || e.className || e.tagName} ${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`)
      );
    expect(await small()).toEqual([]);
    for (const toggle of ["#toggle-sidebar", "#toggle-expert"]) {
      await page.click(toggle);
      expect(await small()).toEqual([]);
      await page.keyboard.press("Escape");
    }
    expect(problems).toEqual([]);
  });

  it("9: the code block's Copy button does not cover the code", async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const {page, problems} = await open({viewport});
      await cannedAnswers(page, () => "```js\nconst aVeryLongFirstLineOfCode = 'that runs to the right edge of the block and well beyond it';\nnext();\n```");
      await send(page, "Code please");
      await page.waitForSelector(".answer[data-status='complete'] pre .copy");
      const [copy, code] = await page.evaluate(() => {
        const pre = document.querySelector(".answer pre")!;
        const box = (e: {getBoundingClientRect(): DOMRect}): {top: number; bottom: number} => e.getBoundingClientRect();
        // The first line's own box: a range over its text.
        const range = document.createRange();
        const text = pre.querySelector("code")!.firstChild!;
        range.setStart(text, 0);
        range.setEnd(text, 5);
        return [box(pre.querySelector(".copy")!), box(range)];
      });
      expect(copy.bottom).toBeLessThanOrEqual(code.top + 0.5);
      expect(problems).toEqual([]);
    }
  });

  it("13: the notice can be dismissed, the compare picker shows only with Compare, titles differ, the login page explains itself, images show as text", async () => {
    const {page, context, problems} = await open({viewport: PHONE});
    expect(await page.isVisible("#notice")).toBe(true);
    await page.click("#dismiss-notice");
    expect(await page.isVisible("#notice")).toBe(false);
    await page.reload();
    await page.waitForSelector("body.ready");
    expect(await page.isVisible("#notice")).toBe(false);

    expect(await page.isVisible("#compare-models")).toBe(false);
    await page.check("#compare");
    expect(await page.isVisible("#compare-models")).toBe(true);
    await page.uncheck("#compare");
    expect(await page.isVisible("#compare-models")).toBe(false);

    const same = `Same question ${Date.now()}`;
    for (let i = 0; i < 3; i++) expect((await context.request.post(`${server.url}/api/chats`, {data: {title: same}})).status()).toBe(201);
    await page.reload();
    await page.waitForSelector("body.ready");
    const titles = (await page.locator(".open-chat .title").allTextContents()).filter((t) => t.startsWith(same));
    expect(titles.sort()).toEqual([same, `${same} (2)`, `${same} (3)`]);

    await cannedAnswers(page, () => "Look: ![a cat on a mat](https://example.com/cat.png?q=secret)");
    await send(page, "Show me a picture");
    const image = page.locator(".answer .md-image");
    expect(await image.textContent()).toContain("[image: a cat on a mat]");
    expect(await image.locator("a").getAttribute("href")).toBe("https://example.com/cat.png?q=secret");
    expect(await page.locator(".answer img").count()).toBe(0);
    expect(problems).toEqual([]);

    const login = await open({login: false, path: "/login"});
    const text = await login.page.textContent("main.login");
    expect(text).toContain("Private chat with the language models on this server");
    expect(text).toContain("Log in with the username and password");
    expect(login.problems).toEqual([]);
  });

  it("writes screenshots: start page, a streamed answer, both panels, the login page, on desktop and phone", async () => {
    for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      const login = await open({viewport, login: false, path: "/login"});
      await login.page.screenshot({path: join(UI_RESULTS, `ui-login-${size}.png`)});
      const {page, problems} = await open({viewport});
      await page.screenshot({path: join(UI_RESULTS, `ui-start-${size}.png`)});
      await page.selectOption("#model", "tiny-b");
      await setNumber(page, "max_new_tokens", 60);
      await page.click("#close-expert");
      await send(page, "Tell me about water.");
      await page.waitForSelector(".answer[data-status='complete']");
      await page.screenshot({path: join(UI_RESULTS, `ui-answer-${size}.png`)});
      if (size === "desktop") {
        await page.click("#toggle-expert");
        await page.screenshot({path: join(UI_RESULTS, "ui-panels-desktop.png")});
      } else {
        await page.click("#toggle-sidebar");
        await page.screenshot({path: join(UI_RESULTS, "ui-chats-panel-phone.png")});
        await page.keyboard.press("Escape");
        await page.click("#toggle-expert");
        await page.screenshot({path: join(UI_RESULTS, "ui-expert-panel-phone.png")});
      }
      expect(problems).toEqual([]);
      expect(login.problems).toEqual([]);
    }
  });
});
