import {mkdtempSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {HistoryStore, titleFrom} from "./history-store.js";

describe("HistoryStore", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-history-"));

  it("keeps each user's chats apart: another owner's id behaves like a missing one", () => {
    const store = HistoryStore.open(join(dir, "isolation.db"));
    const chat = store.createChat("alice", {models: ["m"]});
    expect(chat.id).toMatch(/^[\w-]{22}$/);
    expect(store.appendUserMessage("alice", chat.id, "secret plans")).toBeDefined();
    expect(store.getChat("bob", chat.id)).toBeUndefined();
    expect(store.listChats("bob")).toEqual([]);
    expect(store.appendUserMessage("bob", chat.id, "x")).toBeUndefined();
    expect(store.conversationFor("bob", chat.id, "m")).toBeUndefined();
    expect(store.startAnswer("bob", chat.id, 1, "m")).toBeUndefined();
    expect(store.undo("bob", chat.id)).toBe(false);
    expect(store.clear("bob", chat.id)).toBe(false);
    expect(store.updateChat("bob", chat.id, {title: "mine"})).toBe(false);
    expect(store.deleteChat("bob", chat.id)).toBe(false);
    expect(store.getChat("alice", chat.id)!.messages.map((m) => m.content)).toEqual(["secret plans"]);
    expect(store.getChat("alice", chat.id)!.title).toBe("secret plans");
    store.close();
  });

  it("builds each model's own history in compare mode, and undo removes the whole last turn", () => {
    const store = HistoryStore.open(join(dir, "compare.db"));
    const {id} = store.createChat("u", {models: ["a", "b"]});
    store.appendUserMessage("u", id, "q1");
    const a1 = store.startAnswer("u", id, 1, "a")!;
    store.saveAnswer(a1, "a says 1", "complete", {completionTokens: 3});
    const b1 = store.startAnswer("u", id, 1, "b")!;
    store.saveAnswer(b1, "b says 1", "complete");
    store.appendUserMessage("u", id, "q2");
    expect(store.conversationFor("u", id, "a")).toEqual({history: [["q1", "a says 1"]], instruction: "q2", turn: 2});
    expect(store.conversationFor("u", id, "b")).toEqual({history: [["q1", "b says 1"]], instruction: "q2", turn: 2});
    expect(store.conversationFor("u", id, "c")!.history).toEqual([["q1", "a says 1"]]);

    // Regenerating replaces only that model's answer to that turn.
    const a2 = store.startAnswer("u", id, 2, "a")!;
    store.saveAnswer(a2, "first try", "complete");
    const a2b = store.startAnswer("u", id, 2, "a")!;
    store.saveAnswer(a2b, "second try", "complete", {stopReason: "eos"});
    const turn2 = store.getChat("u", id)!.messages.filter((m) => m.turn === 2);
    expect(turn2.map((m) => [m.role, m.content])).toEqual([["user", "q2"], ["assistant", "second try"]]);
    expect(turn2[1]!.meta).toEqual({stopReason: "eos"});

    expect(store.undo("u", id)).toBe(true);
    expect(store.getChat("u", id)!.messages.map((m) => m.turn)).toEqual([1, 1, 1]);
    expect(store.clear("u", id)).toBe(true);
    expect(store.getChat("u", id)!.messages).toEqual([]);
    expect(store.conversationFor("u", id, "a")).toBeUndefined();
    store.close();
  });

  it("survives reopening and marks answers a dead process left streaming as interrupted", () => {
    const path = join(dir, "restart.db");
    const first = HistoryStore.open(path);
    const {id} = first.createChat("u", {models: ["m"]});
    first.appendUserMessage("u", id, "hello");
    const answer = first.startAnswer("u", id, 1, "m")!;
    first.saveAnswer(answer, "partial te", "streaming");
    first.close();

    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = HistoryStore.open(path);
    const messages = second.getChat("u", id)!.messages;
    expect(messages.map((m) => [m.content, m.status])).toEqual([["hello", "complete"], ["partial te", "interrupted"]]);
    second.close();
  });

  it("stores sessions by digest with expiry and prunes users no longer allowed", () => {
    const store = HistoryStore.open(":memory:");
    store.createSession("h1", "alice", Date.now() + 60_000);
    store.createSession("h2", "gone", Date.now() + 60_000);
    store.createSession("h3", "alice", Date.now() - 1);
    expect(store.sessionUser("h1")).toBe("alice");
    expect(store.sessionUser("h3")).toBeUndefined();
    store.pruneSessions((user) => user === "alice");
    expect(store.sessionUser("h2")).toBeUndefined();
    expect(store.sessionUser("h1")).toBe("alice");
    store.deleteSession("h1");
    expect(store.sessionUser("h1")).toBeUndefined();
    store.close();
  });

  it("titles chats with the first line, shortened", () => {
    expect(titleFrom("  What is h2oGPT?\nmore")).toBe("What is h2oGPT?");
    expect(titleFrom("x".repeat(100))).toHaveLength(80);
  });
});
