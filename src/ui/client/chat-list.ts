import {h} from "./dom.js";
import type {ChatSummary} from "./types.js";

/** The sidebar: a New chat button and the user's past chats, newest first. */

export interface ChatList {
  readonly element: HTMLElement;
  render(chats: readonly ChatSummary[], currentId: string | undefined): void;
}

function when(updatedAt: number): string {
  const date = new Date(updatedAt);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"})
    : date.toLocaleDateString();
}

/**
 * Titles as shown: chats that start with the same message would look alike, so the later ones get a number
 * ("Hello (2)") in the order they were made.
 */
export function distinctTitles(chats: readonly ChatSummary[]): Map<string, string> {
  const byTitle = new Map<string, ChatSummary[]>();
  for (const chat of chats) {
    const title = chat.title || "New chat";
    byTitle.set(title, [...(byTitle.get(title) ?? []), chat]);
  }
  const shown = new Map<string, string>();
  for (const [title, same] of byTitle) {
    // The first made keeps the plain title; the numbers never change as chats are used.
    [...same].sort((a, b) => (a.createdAt ?? a.updatedAt) - (b.createdAt ?? b.updatedAt)).forEach((chat, index) => shown.set(chat.id, index === 0 ? title : `${title} (${index + 1})`));
  }
  return shown;
}

export function createChatList(handlers: {onNew(): void; onOpen(id: string): void; onDelete(id: string): void; onClose(): void}): ChatList {
  const list = h("ul", {className: "chat-list", attrs: {id: "chat-list"}});
  const element = h(
    "nav",
    {className: "sidebar", attrs: {id: "sidebar", "aria-label": "Chats"}},
    h(
      "div",
      {className: "sidebar-head"},
      h("button", {className: "new-chat", attrs: {id: "new-chat", type: "button"}, text: "+ New chat", on: {click: handlers.onNew}}),
      h("button", {className: "icon close-panel", attrs: {id: "close-sidebar", type: "button", "aria-label": "Close chats"}, text: "×", on: {click: handlers.onClose}})
    ),
    list
  );
  return {
    element,
    render(chats, currentId) {
      const titles = distinctTitles(chats);
      list.replaceChildren(
        ...chats.map((chat) =>
          h(
            "li",
            {className: chat.id === currentId ? "current" : ""},
            h(
              "button",
              {className: "open-chat", attrs: {type: "button", "data-chat-id": chat.id}, on: {click: () => handlers.onOpen(chat.id)}},
              h("span", {className: "title", text: titles.get(chat.id)!}),
              h("span", {className: "when", text: when(chat.updatedAt)})
            ),
            h("button", {
              className: "delete-chat",
              attrs: {type: "button", "aria-label": `Delete ${titles.get(chat.id)}`, title: "Delete chat"},
              text: "×",
              on: {click: () => handlers.onDelete(chat.id)}
            })
          )
        )
      );
    }
  };
}
