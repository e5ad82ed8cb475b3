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

export function createChatList(handlers: {onNew(): void; onOpen(id: string): void; onDelete(id: string): void}): ChatList {
  const list = h("ul", {className: "chat-list", attrs: {id: "chat-list"}});
  const element = h(
    "nav",
    {className: "sidebar", attrs: {id: "sidebar", "aria-label": "Chats"}},
    h("button", {className: "new-chat", attrs: {id: "new-chat", type: "button"}, text: "+ New chat", on: {click: handlers.onNew}}),
    list
  );
  return {
    element,
    render(chats, currentId) {
      list.replaceChildren(
        ...chats.map((chat) =>
          h(
            "li",
            {className: chat.id === currentId ? "current" : ""},
            h(
              "button",
              {className: "open-chat", attrs: {type: "button", "data-chat-id": chat.id}, on: {click: () => handlers.onOpen(chat.id)}},
              h("span", {className: "title", text: chat.title || "New chat"}),
              h("span", {className: "when", text: when(chat.updatedAt)})
            ),
            h("button", {
              className: "delete-chat",
              attrs: {type: "button", "aria-label": `Delete ${chat.title || "chat"}`, title: "Delete chat"},
              text: "×",
              on: {click: () => handlers.onDelete(chat.id)}
            })
          )
        )
      );
    }
  };
}
