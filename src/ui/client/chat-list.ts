import {h} from "./dom.js";
import type {ChatSummary} from "./types.js";

/**
 * The sidebar: a New chat button, a search box, the user's past chats (newest first) with rename and delete,
 * and the history tools: export (a JSON download), import (a JSON file the user picks), delete all.
 */

export interface ChatList {
  readonly element: HTMLElement;
  render(chats: readonly ChatSummary[], currentId: string | undefined): void;
  /** The search box's text (trimmed); empty when not searching. */
  query(): string;
  /** Says how the last history action went (an import's count, an error in the error style). */
  report(text: string, isError?: boolean): void;
}

export interface ChatListHandlers {
  onNew(): void;
  onOpen(id: string): void;
  onDelete(id: string): void;
  onRename(id: string, title: string): void;
  onSearch(query: string): void;
  onImport(file: File): void;
  onDeleteAll(): void;
  onClose(): void;
}

const SEARCH_DELAY_MS = 250;

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

export function createChatList(handlers: ChatListHandlers): ChatList {
  const list = h("ul", {className: "chat-list", attrs: {id: "chat-list", "aria-label": "Your chats"}});
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  const search = h("input", {
    attrs: {id: "chat-search", type: "search", placeholder: "Search chats", "aria-label": "Search chats", autocomplete: "off"},
    on: {
      input: () => {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => handlers.onSearch(search.value.trim()), SEARCH_DELAY_MS);
      }
    }
  });
  const importInput = h("input", {
    attrs: {id: "import-chats-file", type: "file", accept: ".json,application/json", "aria-label": "Chat history file to import"},
    on: {
      change: () => {
        const file = importInput.files?.[0];
        importInput.value = "";
        if (file != null) handlers.onImport(file);
      }
    }
  });
  importInput.hidden = true;
  const status = h("p", {className: "history-status", attrs: {id: "history-status", role: "status"}});
  const tools = h(
    "div",
    {className: "history-tools", attrs: {role: "group", "aria-label": "Chat history"}},
    h("a", {className: "button-link", attrs: {id: "export-chats", href: "/api/chats/export", download: "h2ogpt-chats.json"}, text: "Export"}),
    h("button", {attrs: {id: "import-chats", type: "button"}, text: "Import", on: {click: () => importInput.click()}}),
    h("button", {className: "danger", attrs: {id: "delete-all-chats", type: "button"}, text: "Delete all", on: {click: handlers.onDeleteAll}}),
    importInput
  );
  const element = h(
    "nav",
    {className: "sidebar", attrs: {id: "sidebar", "aria-label": "Chats"}},
    h(
      "div",
      {className: "sidebar-head"},
      h("button", {className: "new-chat", attrs: {id: "new-chat", type: "button"}, text: "+ New chat", on: {click: handlers.onNew}}),
      h("button", {className: "icon close-panel", attrs: {id: "close-sidebar", type: "button", "aria-label": "Close chats"}, text: "×", on: {click: handlers.onClose}})
    ),
    search,
    list,
    status,
    tools
  );

  /** Swaps a chat's title for a text field: Enter (or leaving it) saves, Esc cancels. */
  function rename(item: HTMLElement, chat: ChatSummary, shown: string): void {
    const input = h("input", {className: "rename-input", attrs: {type: "text", maxlength: 1000, "aria-label": `New title for ${shown}`}});
    input.value = chat.title || shown;
    let done = false;
    const finish = (save: boolean): void => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (save && title !== "" && title !== chat.title) handlers.onRename(chat.id, title);
      else input.replaceWith(openButton);
      openButton.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") (event.preventDefault(), finish(true));
      else if (event.key === "Escape") (event.preventDefault(), event.stopPropagation(), finish(false));
    });
    input.addEventListener("blur", () => finish(true));
    const openButton = item.querySelector<HTMLElement>(".open-chat")!;
    openButton.replaceWith(input);
    input.focus();
    input.select();
  }

  return {
    element,
    render(chats, currentId) {
      const titles = distinctTitles(chats);
      const empty = search.value.trim() === "" ? "No chats yet." : "No chat matches.";
      list.replaceChildren(
        ...(chats.length === 0 ? [h("li", {className: "empty-list", text: empty})] : []),
        ...chats.map((chat) => {
          const shown = titles.get(chat.id)!;
          const item: HTMLElement = h(
            "li",
            {className: chat.id === currentId ? "current" : "", attrs: {"data-chat-id": chat.id}},
            h(
              "button",
              {className: "open-chat", attrs: {type: "button", "data-chat-id": chat.id, "aria-current": chat.id === currentId ? "page" : undefined}, on: {click: () => handlers.onOpen(chat.id)}},
              h("span", {className: "title", text: shown}),
              h("span", {className: "when", text: when(chat.updatedAt)})
            ),
            h("button", {
              className: "rename-chat",
              attrs: {type: "button", "aria-label": `Rename ${shown}`, title: "Rename chat"},
              text: "✎",
              on: {click: () => rename(item, chat, shown)}
            }),
            h("button", {
              className: "delete-chat",
              attrs: {type: "button", "aria-label": `Delete ${shown}`, title: "Delete chat"},
              text: "×",
              on: {click: () => handlers.onDelete(chat.id)}
            })
          );
          return item;
        })
      );
    },
    query: () => search.value.trim(),
    report(text, isError = false) {
      status.textContent = text;
      status.classList.toggle("error", isError);
    }
  };
}
