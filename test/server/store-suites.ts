import {describe, expect, it} from "vitest";
import type {ChatStore} from "../../src/server/chat-store.js";
import type {SessionStore} from "../../src/server/session-store.js";
import type {ThrottleStore} from "../../src/server/throttle-store.js";

/**
 * One suite per kind of server state, run unchanged against each implementation (stores.model.test.ts calls each
 * twice: SQLite or memory, and PostgreSQL). A factory gives a fresh, empty store for each test.
 */

export type Factory<T> = () => Promise<T>;

export function describeChatStore(name: string, factory: Factory<ChatStore>): void {
  describe(`ChatStore: ${name}`, () => {
    it("keeps chats apart by owner: another owner's id behaves like a missing one", async () => {
      const store = await factory();
      const chat = await store.createChat("alice", {models: ["m1"]});
      expect(chat.title).toBe("");
      expect(chat.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(await store.appendUserMessage("alice", chat.id, "What is a llama?\nmore")).toMatchObject({turn: 1, role: "user", content: "What is a llama?\nmore"});
      expect(await store.getChat("bob", chat.id)).toBeUndefined();
      expect(await store.listChats("bob")).toEqual([]);
      expect(await store.searchChats("bob", "llama")).toEqual([]);
      expect(await store.appendUserMessage("bob", chat.id, "hi")).toBeUndefined();
      expect(await store.updateChat("bob", chat.id, {title: "x"})).toBe(false);
      expect(await store.startAnswer("bob", chat.id, 1, "m1")).toBeUndefined();
      expect(await store.undo("bob", chat.id)).toBe(false);
      expect(await store.clear("bob", chat.id)).toBe(false);
      expect(await store.deleteChat("bob", chat.id)).toBe(false);
      expect(await store.deleteAllChats("bob")).toBe(0);
      expect(await store.exportChats("bob")).toEqual([]);
      const listed = await store.listChats("alice");
      expect(listed.map((c) => [c.id, c.title, c.models])).toEqual([[chat.id, "What is a llama?", ["m1"]]]);
    });

    it("builds the conversation per model, streams and finishes answers, undoes and clears", async () => {
      const store = await factory();
      const chat = await store.createChat("alice", {models: ["a", "b"], title: "Zoo"});
      await store.appendUserMessage("alice", chat.id, "one");
      const a1 = (await store.startAnswer("alice", chat.id, 1, "a"))!;
      const b1 = (await store.startAnswer("alice", chat.id, 1, "b"))!;
      await store.saveAnswer(a1, "A-partial", "streaming");
      await store.saveAnswer(a1, "A says one", "complete", {promptTokens: 3, completionTokens: 4});
      await store.saveAnswer(b1, "B says one", "stopped", {stopReason: "abort"});
      await store.appendUserMessage("alice", chat.id, "two");
      expect(await store.conversationFor("alice", chat.id, "b")).toEqual({history: [["one", "B says one"]], instruction: "two", turn: 2});
      expect(await store.conversationFor("alice", chat.id, "c")).toEqual({history: [["one", "A says one"]], instruction: "two", turn: 2});
      const full = (await store.getChat("alice", chat.id))!;
      expect(full.title).toBe("Zoo");
      expect(full.messages.map((m) => [m.turn, m.role, m.model, m.content, m.status])).toEqual([
        [1, "user", null, "one", "complete"],
        [1, "assistant", "a", "A says one", "complete"],
        [1, "assistant", "b", "B says one", "stopped"],
        [2, "user", null, "two", "complete"]
      ]);
      expect(full.messages[1]!.meta).toEqual({promptTokens: 3, completionTokens: 4});
      // A regenerated answer replaces that model's answer to the turn.
      const again = (await store.startAnswer("alice", chat.id, 1, "a"))!;
      expect(again).not.toBe(a1);
      expect((await store.getChat("alice", chat.id))!.messages.filter((m) => m.model === "a").map((m) => [m.content, m.status])).toEqual([["", "streaming"]]);
      expect(await store.undo("alice", chat.id)).toBe(true);
      expect((await store.getChat("alice", chat.id))!.messages.map((m) => m.turn)).toEqual([1, 1, 1]);
      expect(await store.clear("alice", chat.id)).toBe(true);
      expect((await store.getChat("alice", chat.id))!.messages).toEqual([]);
      expect(await store.conversationFor("alice", chat.id, "a")).toBeUndefined();
    });

    it("updates, searches, exports, imports and deletes", async () => {
      const store = await factory();
      const first = await store.createChat("alice", {models: ["m"]});
      await store.appendUserMessage("alice", first.id, "Tell me about 100% cotton");
      const second = await store.createChat("alice", {models: ["m"], title: "Holidays"});
      expect(await store.updateChat("alice", second.id, {title: "Trips", models: ["m", "n"], settings: {system_prompt: "be brief"}})).toBe(true);
      const updated = (await store.getChat("alice", second.id))!;
      expect([updated.title, updated.models, updated.settings]).toEqual(["Trips", ["m", "n"], {system_prompt: "be brief"}]);
      expect((await store.searchChats("alice", "100%")).map((c) => c.id)).toEqual([first.id]);
      expect((await store.searchChats("alice", "trips")).map((c) => c.id)).toEqual([second.id]);
      expect(await store.searchChats("alice", "1_0")).toEqual([]);
      const exported = await store.exportChats("alice");
      expect(exported.map((c) => [c.title, c.messages.length, c.settings ?? null])).toEqual([
        ["Tell me about 100% cotton", 1, null],
        ["Trips", 0, {system_prompt: "be brief"}]
      ]);
      const streamingExport = {...exported[0]!, messages: [...exported[0]!.messages, {turn: 1, role: "assistant" as const, model: "m", content: "half", status: "streaming" as const, meta: null, created_at: 5}]};
      const imported = await store.importChats("bob", [streamingExport]);
      expect(imported.map((c) => c.title)).toEqual(["Tell me about 100% cotton"]);
      expect(imported[0]!.id).not.toBe(first.id);
      expect((await store.getChat("bob", imported[0]!.id))!.messages.map((m) => [m.content, m.status])).toEqual([
        ["Tell me about 100% cotton", "complete"],
        ["half", "interrupted"]
      ]);
      expect(await store.deleteChat("alice", first.id)).toBe(true);
      expect(await store.getChat("alice", first.id)).toBeUndefined();
      expect(await store.deleteAllChats("alice")).toBe(1);
      expect(await store.listChats("alice")).toEqual([]);
      expect((await store.listChats("bob")).length).toBe(1);
    });
  });
}

export function describeSessionStore(name: string, factory: Factory<SessionStore>): void {
  describe(`SessionStore: ${name}`, () => {
    it("finds, expires, deletes and prunes sessions", async () => {
      const store = await factory();
      await store.createSession("h1", "alice", 2000);
      await store.createSession("h2", "bob", 5000);
      await store.createSession("h3", "carol", 5000);
      expect(await store.sessionUser("h1", 1000)).toBe("alice");
      expect(await store.sessionUser("nope", 1000)).toBeUndefined();
      expect(await store.sessionUser("h1", 2000)).toBeUndefined();
      // Expired sessions are removed when found.
      expect(await store.sessionUser("h1", 0)).toBeUndefined();
      await store.deleteSession("h2");
      expect(await store.sessionUser("h2", 1000)).toBeUndefined();
      await store.createSession("h4", "dave", 5000);
      await store.pruneSessions((user) => user !== "dave", 1000);
      expect([await store.sessionUser("h3", 1000), await store.sessionUser("h4", 1000)]).toEqual(["carol", undefined]);
      await store.pruneSessions(() => true, 6000);
      expect(await store.sessionUser("h3", 1000)).toBeUndefined();
    });
  });
}

export function describeThrottleStore(name: string, factory: Factory<ThrottleStore>): void {
  describe(`ThrottleStore: ${name}`, () => {
    const WINDOW = 10_000;

    it("counts, forgets after the window, forgives", async () => {
      const store = await factory();
      expect(await store.read("k", 0, WINDOW)).toBeUndefined();
      await store.count("k", 100, WINDOW);
      await store.count("k", 200, WINDOW);
      expect(await store.read("k", 300, WINDOW)).toEqual({failures: 2, lastAt: 200});
      expect(await store.read("k", 200 + WINDOW, WINDOW)).toBeUndefined();
      await store.count("k", 200 + WINDOW, WINDOW);
      expect(await store.read("k", 200 + WINDOW, WINDOW)).toEqual({failures: 1, lastAt: 200 + WINDOW});
      await store.count("u", 1, WINDOW);
      await store.count("u", 2, WINDOW);
      await store.forgive({remove: ["k"], uncount: ["u"]});
      expect(await store.read("k", 3, WINDOW)).toBeUndefined();
      expect(await store.read("u", 3, WINDOW)).toEqual({failures: 1, lastAt: 2});
      await store.forgive({remove: [], uncount: ["u"]});
      expect(await store.read("u", 3, WINDOW)).toBeUndefined();
    });

    it("reserves atomically: 20 concurrent reservations with 5 free pass exactly 5", async () => {
      const store = await factory();
      const decide = ([pair]: readonly ({failures: number} | undefined)[]): number => ((pair?.failures ?? 0) >= 5 ? 1000 : 0);
      const waits = await Promise.all(Array.from({length: 20}, () => store.reserve(["pair:x", "user:x"], decide, 50, WINDOW)));
      expect(waits.filter((wait) => wait === 0).length).toBe(5);
      expect(await store.read("pair:x", 60, WINDOW)).toEqual({failures: 5, lastAt: 50});
      expect(await store.read("user:x", 60, WINDOW)).toEqual({failures: 5, lastAt: 50});
    });
  });
}
