import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {BrowserContext, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {tinyServedModel} from "../../test/server/real-model.js";
import {writeScoreModel} from "../../test/support/score-model.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {buildUi, launchPersistentPage, UI_RESULTS, watchProblems} from "../../test/support/ui-harness.js";
import {loadScoreModel, type ScoreModel, scoreText, sigmoid} from "../score/index.js";
import {startServer, type RunningServer} from "../server/index.js";

/**
 * The UI with `serve --score_model`: h2oGPT's "Response Score: 87.3%" line appears under a finished answer and
 * stays with it after a reload (same Chromium harness as chat-ui.model.test.ts).
 */

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-score-ui-"));

describe.skipIf(tinyLlamaPath == null)("score line in the web UI", () => {
  let server: RunningServer;
  let reference: ScoreModel;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    buildUi();
    const modelDir = join(dir, "reward");
    writeScoreModel(modelDir);
    reference = await loadScoreModel({path: modelDir});
    server = await startServer({
      models: [await tinyServedModel({name: "tiny"})],
      port: 0,
      historyDb: join(dir, "history.db"),
      defaultMaxNewTokens: 12,
      scoreModel: await loadScoreModel({path: modelDir})
    });
    ({context, page} = await launchPersistentPage(join(dir, "profile")));
    watchProblems(page, server.url, problems);
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await reference?.dispose();
    rmSync(dir, {recursive: true, force: true});
  });

  it("shows Response Score under the finished answer, computed after it, and keeps it after a reload", async () => {
    await page.goto(server.url);
    await page.waitForSelector("body.ready");
    await page.fill("#prompt", "Who are you?");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".answer[data-status='complete'] .score-line:not([hidden])");
    const {chats} = await (await context.request.get(`${server.url}/api/chats`)).json();
    const chat = await (await context.request.get(`${server.url}/api/chats/${chats[0].id}`)).json();
    const answer = chat.messages.find((message: {role: string}) => message.role === "assistant");
    const expected = scoreText([sigmoid((await reference.logits([{question: "Who are you?", answer: answer.content}]))[0]!)]);
    expect(expected).toMatch(/^Response Score: \d+\.\d%$/);
    expect(answer.meta.scoreText).toBe(expected);
    expect(await page.textContent(".answer .score-line")).toBe(expected);
    await page.screenshot({path: join(UI_RESULTS, "score-line.png")});

    await page.reload();
    await page.waitForSelector("body.ready");
    if ((await page.locator(".answer").count()) === 0) await page.click(`.open-chat[data-chat-id="${chats[0].id}"]`);
    await expect.poll(() => page.textContent(".answer .score-line"), {timeout: 15_000}).toBe(expected);
    expect(problems).toEqual([]);
  });
});
