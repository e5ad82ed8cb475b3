import {describe, expect, it, vi} from "vitest";
import {jsonInit, makeHarness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";

/** After a Stop the UI says what it showed; the stopped answer is saved as exactly that (a start of the generated text only). */
describe("POST /api/chats/:id/answer/:messageId/shown", () => {
  async function stoppedAnswer(beforeStopped?: (chatId: string, messageId: number, fetch: ReturnType<typeof makeHarness>["fetch"]) => Promise<void>) {
    const model = new ScriptedModel({tokenDelayMs: 5, answer: () => "w ".repeat(100_000)});
    const harness = makeHarness({models: [model]});
    const {fetch, store} = harness;
    const chat = await (await fetch("/api/chats", jsonInit({}))).json();
    await fetch(`/api/chats/${chat.id}/messages`, jsonInit({content: "go"}));
    const controller = new AbortController();
    const response = await fetch(`/api/chats/${chat.id}/answer`, {...jsonInit({model: "scripted"}), signal: controller.signal});
    const reader = response.body!.getReader();
    let seen = "";
    while ((seen.match(/event: delta/g) ?? []).length < 3) seen += new TextDecoder().decode((await reader.read()).value);
    const messageId = Number(/"message_id":(\d+)/.exec(seen)![1]);
    // Let the server generate (and write) more than the client reads.
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (beforeStopped != null) await beforeStopped(chat.id, messageId, fetch);
    controller.abort();
    await reader.cancel().catch(() => {});
    await vi.waitFor(() => expect(store.getChat("local", chat.id)!.messages[1]!.status).toBe("stopped"), {timeout: 5000});
    return {...harness, chatId: chat.id, messageId};
  }

  it("cuts a stopped answer to the text the user saw, whether it arrives before or after the save", async () => {
    const after = await stoppedAnswer();
    expect(after.store.getChat("local", after.chatId)!.messages[1]!.content.length).toBeGreaterThan(6);
    const saved = await after.fetch(`/api/chats/${after.chatId}/answer/${after.messageId}/shown`, jsonInit({content: "w w w "}));
    expect(await saved.json()).toEqual({saved: true});
    expect(after.store.getChat("local", after.chatId)!.messages[1]!).toMatchObject({content: "w w w ", status: "stopped"});

    const before = await stoppedAnswer(async (chatId, messageId, fetch) => {
      expect(await (await fetch(`/api/chats/${chatId}/answer/${messageId}/shown`, jsonInit({content: "w w "}))).json()).toEqual({saved: "pending"});
    });
    expect(before.store.getChat("local", before.chatId)!.messages[1]!.content).toBe("w w ");
  });

  it("never saves other text, and answers 404 for another chat's answer", async () => {
    const {fetch, store, chatId, messageId} = await stoppedAnswer();
    const stored = store.getChat("local", chatId)!.messages[1]!.content;
    expect(await (await fetch(`/api/chats/${chatId}/answer/${messageId}/shown`, jsonInit({content: "something else"}))).json()).toEqual({saved: false});
    expect(store.getChat("local", chatId)!.messages[1]!.content).toBe(stored);
    const other = await (await fetch("/api/chats", jsonInit({}))).json();
    expect((await fetch(`/api/chats/${other.id}/answer/${messageId}/shown`, jsonInit({content: "w "}))).status).toBe(404);
  });
});
