import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {BrowserContext, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {tinyServedModel} from "../../test/server/real-model.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {buildUi, launchPersistentPage, UI_RESULTS, watchProblems} from "../../test/support/ui-harness.js";
import {CollectionManager, createTesseractOcr} from "../docs/index.js";
import {startServer, type RunningServer} from "../server/index.js";

/**
 * Document Q&A in the web UI, in Debian's Chromium against a real server: alice uploads two files through the
 * Documents panel and watches them ingest, asks from MyData, sees the sources under the answer (the right file
 * first, still there after a reload), opens one in the viewer with the cited chunk highlighted, deletes a
 * document; bob, on the same browser, sees none of alice's documents and gets no sources from them. No console
 * errors, nothing fetched from anywhere but the server. Screenshots go to test-results/.
 */

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-docs-ui-"));

// Long enough for several chunks, with the facts late in the file: the viewer must scroll to the cited one.
const FILLER = Array.from(
  {length: 14},
  (_, i) => `Field diary, day ${i + 1}: the savanna grass grew tall after the long rains, the herds moved north toward the river crossing, and the camp cook made lentil soup again.`
);
const ZEBRA = [
  "Savanna diary.",
  ...FILLER,
  "The zebra named Quillfeather lives in the Okavango delta and eats marigold petals every Tuesday.",
  "Quillfeather the zebra has exactly forty-one stripes on her left flank. Her keeper wrote <img src=x onerror=\"document.title='pwned'\"> on the fence."
].join("\n\n");
const VOLCANO = [
  "# Volcano notes",
  "",
  "Mount Brindlecrag is a dormant volcano whose crater lake is coloured turquoise by copper minerals.",
  "",
  "Its last eruption, in 1802, buried the village of Orvask under ash."
].join("\n");
const QUESTION = "How many stripes does Quillfeather the zebra have?";

describe.skipIf(tinyLlamaPath == null)("document Q&A in the web UI (Chromium)", () => {
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const files = {txt: join(dir, "zebra-facts.txt"), md: join(dir, "volcano-notes.md")};

  beforeAll(async () => {
    buildUi();
    writeFileSync(files.txt, ZEBRA);
    writeFileSync(files.md, VOLCANO);
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({alice: {password: "wonderland"}, bob: {password: "builder-bob"}}));
    server = await startServer({
      models: [await tinyServedModel({name: "tiny"})],
      port: 0,
      authFile,
      historyDb: join(dir, "history.db"),
      collections: new CollectionManager({persistDirectory: join(dir, "db"), ocr: createTesseractOcr()})
    });
    ({context, page} = await launchPersistentPage(join(dir, "profile")));
    // Deleting a document asks first; any other dialog is a bug.
    watchProblems(page, server.url, problems, (dialog) => dialog.type() === "confirm" && dialog.message().startsWith("Delete volcano-notes.md"));
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  async function logIn(user: string, password: string): Promise<void> {
    await page.goto(server.url);
    await page.waitForSelector("body.ready");
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill("#username", user);
    await page.fill("#password", password);
    await page.click("#login");
    await page.waitForSelector("#app .topbar");
    await page.waitForSelector("body.ready");
  }

  async function ask(question: string): Promise<void> {
    // Short answers keep the test fast: the tiny model's words are gibberish anyway; the sources are what counts.
    await page.click("#toggle-expert");
    await page.fill("#setting-max_new_tokens", "16");
    await page.press("#setting-max_new_tokens", "Tab");
    await page.click("#toggle-expert");
    await page.click("#new-chat");
    await page.fill("#prompt", question);
    await page.keyboard.press("Enter");
    await page.waitForSelector(".answer[data-status='complete']", {timeout: 30_000});
  }

  it("alice uploads two files, asks from MyData, sees the sources and opens one in the viewer", async () => {
    await logIn("alice", "wonderland");
    expect(await page.isVisible("#documents-panel")).toBe(false);
    await page.click("#toggle-documents");
    expect(await page.isVisible("#documents-panel")).toBe(true);
    // Focus moves into the panel when it opens.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("collection");
    expect(await page.inputValue("#collection")).toBe("LLM");

    await page.setInputFiles("#upload-input", [files.txt, files.md]);
    // In LLM mode uploads go to MyData, and the picker follows them there.
    await page.waitForSelector(".upload[data-file='zebra-facts.txt'][data-state='done']", {timeout: 20_000});
    await page.waitForSelector(".upload[data-file='volcano-notes.md'][data-state='done']", {timeout: 20_000});
    expect(await page.textContent(".upload[data-file='zebra-facts.txt'] .upload-status")).toMatch(/^done · \d+ chunks? in MyData$/);
    expect(await page.inputValue("#collection")).toBe("MyData");
    await expect.poll(() => page.locator("#document-list .document").count()).toBe(2);
    expect(await page.textContent("#document-list")).toContain("zebra-facts.txt");
    expect(await page.textContent("#document-list")).toContain("volcano-notes.md");

    // A file the server cannot read is reported with its reason, and does not stop the others.
    writeFileSync(join(dir, "broken.pdf"), "%PDF-1.7\nthis is not really a PDF\n");
    await page.setInputFiles("#upload-input", [join(dir, "broken.pdf")]);
    await page.waitForSelector(".upload[data-file='broken.pdf'][data-state='failed']", {timeout: 20_000});
    expect(await page.textContent(".upload[data-file='broken.pdf'] .upload-status")).toMatch(/^failed: .{5,}/);

    // Files dropped on the chat are uploaded too (a synthetic drop: Playwright cannot drag from the desktop).
    await page.keyboard.press("Escape");
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(["Dropped note: the lighthouse keeper counts gulls at dawn."], "dropped-note.txt", {type: "text/plain"}));
      const main = document.querySelector("main")!;
      main.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true, cancelable: true}));
      if (!main.classList.contains("drop-target")) throw new Error("no drop highlight");
      main.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
    });
    expect(await page.isVisible("#documents-panel")).toBe(true);
    await page.waitForSelector(".upload[data-file='dropped-note.txt'][data-state='done']", {timeout: 20_000});
    await expect.poll(() => page.locator("#document-list .document").count()).toBe(3);

    await page.selectOption("#collection", "MyData");
    await page.selectOption("#action", "Query");
    await page.screenshot({path: join(UI_RESULTS, "documents-ui-panel.png")});
    expect(await page.textContent("#doc-mode")).toBe("Answering from MyData · Query");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.isVisible("#documents-panel")).toBe(false);

    await ask(QUESTION);
    const sources = page.locator(".answer .sources");
    expect(await sources.locator("summary").textContent()).toMatch(/^Sources \(\d+\) · MyData$/);
    await sources.locator("summary").click();
    const first = sources.locator(".source").first();
    expect(await first.locator(".source-name").textContent()).toBe("zebra-facts.txt");
    expect(await first.getAttribute("title")).toMatch(/zebra-facts\.txt$/);
    expect(await first.locator(".score").textContent()).toMatch(/^-?\d+\.\d\d$/);
    await page.screenshot({path: join(UI_RESULTS, "documents-ui-sources.png")});

    // The choices and the sources survive a reload (they are in localStorage and the stored answer).
    await page.reload();
    await page.waitForSelector("body.ready");
    await page.waitForSelector(".answer[data-status='complete'] .sources");
    expect(await page.textContent("#doc-mode")).toBe("Answering from MyData · Query");
    await page.click(".answer .sources summary");
    const cited = await page.locator(".answer .source").first().getAttribute("data-chunk-row-id");
    await page.locator(".answer .source").first().click();
    await page.waitForSelector("#document-viewer[open] .chunk.cited");
    expect(await page.textContent("#viewer-title")).toBe("zebra-facts.txt");
    const highlighted = page.locator("#document-viewer .chunk.cited");
    expect(await highlighted.count()).toBe(1);
    expect(await highlighted.getAttribute("data-chunk-row-id")).toBe(cited);
    expect(await highlighted.textContent()).toContain("Quillfeather");
    // Document text is shown as text: the markup in the file is visible, never parsed.
    expect(await highlighted.textContent()).toContain("<img src=x");
    expect(await page.locator("#document-viewer img, #documents-panel img, .answer img").count()).toBe(0);
    expect(await page.title()).toBe("h2oGPT");
    expect(await page.locator("#document-viewer .chunk").count()).toBeGreaterThan(3);
    // Scrolled into view inside the viewer, not left below the fold.
    const inView = await page.evaluate(() => {
      const body = document.getElementById("viewer-chunks")!.getBoundingClientRect();
      const chunk = document.querySelector("#document-viewer .chunk.cited")!.getBoundingClientRect();
      return chunk.top >= body.top - 1 && chunk.top < body.bottom;
    });
    expect(inView).toBe(true);
    await page.screenshot({path: join(UI_RESULTS, "documents-ui-viewer.png")});
    await page.keyboard.press("Escape");
    await expect.poll(() => page.isVisible("#document-viewer")).toBe(false);

    // Delete (after a confirm) takes the document out of the list.
    await page.click("#toggle-documents");
    await page.click("#document-list .document:has-text('volcano-notes.md') .delete-document");
    await expect.poll(() => page.locator("#document-list .document").count()).toBe(2);
    expect(await page.textContent("#document-list")).not.toContain("volcano-notes.md");
    expect(problems).toEqual([]);
  });

  it("bob sees none of alice's documents and gets no sources from them", async () => {
    await page.click("#logout");
    await page.waitForURL(/\/login$/);
    await logIn("bob", "builder-bob");
    // bob's choice is his own: alice's MyData choice did not follow him.
    expect(await page.textContent("#doc-mode")).toBe("No documents (LLM)");
    await page.click("#toggle-documents");
    await page.selectOption("#collection", "MyData");
    await page.waitForSelector("#document-list .empty-list");
    expect(await page.locator("#document-list .document").count()).toBe(0);
    await page.keyboard.press("Escape");

    await ask(QUESTION);
    expect(await page.locator(".answer .sources").count()).toBe(0);
    expect(await page.textContent(".answer .doc-note")).toContain("no documents in MyData matched");
    expect(await page.textContent("body")).not.toContain("zebra-facts");
    expect(problems).toEqual([]);
  });

  it("at phone width the panel has a close button and closes on a tap outside", async () => {
    await page.setViewportSize({width: 390, height: 844});
    await page.reload();
    await page.waitForSelector("body.ready");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.click("#toggle-documents");
    expect(await page.isVisible("#documents-panel")).toBe(true);
    await page.click("#close-documents");
    await expect.poll(() => page.isVisible("#documents-panel")).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("toggle-documents");
    await page.click("#toggle-documents");
    await page.screenshot({path: join(UI_RESULTS, "documents-ui-phone.png")});
    await page.mouse.click(20, 400);
    await expect.poll(() => page.isVisible("#documents-panel")).toBe(false);
    expect(problems).toEqual([]);
  });
});
