import {api, ApiError, CSRF_HEADERS, streamEvents} from "./api.js";
import {createChatList} from "./chat-list.js";
import {createConversationView} from "./conversation-view.js";
import {createDocumentChoice, LLM} from "./document-choice.js";
import {createDocumentViewer} from "./document-viewer.js";
import {createDocumentsPanel} from "./documents-panel.js";
import {byId, h} from "./dom.js";
import {acceptFileDrops} from "./drop-zone.js";
import {createExpertPanel} from "./expert-panel.js";
import {sidePanel} from "./side-panel.js";
import type {AnswerMeta, Chat, ChatSummary, Message, MessageStatus, ServerInfo} from "./types.js";

/**
 * The chat page: wires the header, sidebar, conversation, composer, expert panel and (when the server has
 * document collections) the Documents panel and document viewer to the server's API.
 */

async function main(): Promise<void> {
  const root = byId("app");
  const info = await api<ServerInfo>("/api/info");
  const names = info.models.map((m) => m.name);

  let chats: ChatSummary[] = [];
  let chat: Chat | undefined;
  const streams = new Map<string, AbortController>();

  const expert = createExpertPanel(info);
  const viewer = createDocumentViewer();
  const view = createConversationView({onOpenSource: (collection, source) => void viewer.open(collection, source.document_id, source.chunk_row_id)});
  const docs = info.documents ?? null;
  const choice = docs == null ? null : createDocumentChoice(info.user, docs.langchain_mode, docs.langchain_actions);
  const documents =
    choice == null
      ? null
      : createDocumentsPanel({
          choice,
          actions: docs?.langchain_actions ?? [],
          onOpenDocument: (collection, id) => void viewer.open(collection, id),
          onClose: () => documentsPanel?.close()
        });
  const chatList = createChatList({
    onNew: newChat,
    onOpen: (id) => void openChat(id),
    onDelete: (id) => void deleteChat(id),
    onClose: () => sidebarPanel.close()
  });

  const modelSelect = (id: string): HTMLSelectElement =>
    h(
      "select",
      {attrs: {id, "aria-label": id === "model" ? "Model" : "Second model"}},
      ...info.models.map((m) => h("option", {attrs: {value: m.name, title: `${m.engine} · context ${m.context_length} tokens`}, text: m.name}))
    );
  const model1 = modelSelect("model");
  const model2 = modelSelect("model-2");
  model2.value = names[1] ?? names[0]!;
  const compare = h("input", {attrs: {id: "compare", type: "checkbox"}});
  const compareLabel = h("label", {className: "compare", attrs: {title: "Send each prompt to two models side by side"}}, compare, " Compare");
  const compareBox = h("div", {className: "compare-box"}, compareLabel, model2);
  if (names.length < 2) compareBox.hidden = true;

  // A model's notice (e.g. the built-in demonstration model's) can be dismissed; it stays dismissed until it changes.
  const NOTICE_KEY = "h2ogpt.notice.dismissed";
  const noticeText = h("span", {attrs: {id: "notice-text"}});
  const dismissNotice = h("button", {
    className: "icon",
    attrs: {id: "dismiss-notice", type: "button", "aria-label": "Dismiss this notice", title: "Dismiss"},
    text: "×",
    on: {
      click: () => {
        localStorage.setItem(NOTICE_KEY, noticeText.textContent ?? "");
        notice.hidden = true;
        prompt.focus();
      }
    }
  });
  const notice = h("div", {className: "notice", attrs: {id: "notice", role: "note"}}, noticeText, dismissNotice);
  // Clear can be undone for a while: the chat is only cleared on the server when this bar goes away.
  const undoClearBar = h("div", {className: "undo-bar", attrs: {id: "undo-clear-bar", role: "status"}, text: "Chat cleared. "});
  undoClearBar.hidden = true;
  const errorLine = h("div", {className: "error", attrs: {id: "error", role: "alert"}});
  const prompt = h("textarea", {attrs: {id: "prompt", rows: 2, placeholder: "Send a message", "aria-label": "Message", enterkeyhint: "send"}});
  const button = (id: string, text: string, onClick: () => void, title?: string): HTMLButtonElement =>
    h("button", {attrs: {id, type: "button", title}, text, on: {click: onClick}});
  const send = button("send", "Send", () => void sendMessage(), "Enter");
  const stop = button("stop", "Stop", stopAll, "Esc");
  const regenerate = button("regenerate", "Regenerate", () => void regenerateLast());
  const undo = button("undo", "Undo", () => void chatAction("undo"));
  const clearButton = button("clear", "Clear", () => void clearChat());
  const undoClear = button("undo-clear", "Undo", () => void restoreCleared(), "Bring the chat back");
  undoClearBar.appendChild(undoClear);
  stop.disabled = true;

  const toggleDocuments =
    documents == null ? null : h("button", {className: "icon text", attrs: {id: "toggle-documents", type: "button", "aria-label": "Documents", title: "Documents"}, text: "Docs"});
  const documentsPanel =
    documents == null || toggleDocuments == null
      ? null
      : sidePanel({
          panel: documents.element,
          toggleButton: toggleDocuments,
          openClass: "documents-open",
          focusOnOpen: () => documents.element.querySelector("select"),
          onOpen: () => void documents.refresh()
        });
  toggleDocuments?.addEventListener("click", () => documentsPanel?.toggle());
  // Under the composer: what the next answer will be grounded in, so LLM and document modes are never confused.
  const docMode = h("button", {className: "doc-mode link", attrs: {id: "doc-mode", type: "button", title: "Choose documents"}, on: {click: () => documentsPanel?.open()}});
  const showDocMode = (): void => {
    const current = choice?.get();
    docMode.hidden = current == null;
    if (current != null)
      docMode.textContent = current.langchain_mode === LLM ? "No documents (LLM)" : `Answering from ${current.langchain_mode} · ${current.langchain_action}`;
  };
  choice?.onChange(showDocMode);
  showDocMode();

  const toggleSidebar = h("button", {className: "icon", attrs: {id: "toggle-sidebar", type: "button", "aria-label": "Chats"}, text: "☰"});
  const sidebarPanel = sidePanel({
    panel: chatList.element,
    toggleButton: toggleSidebar,
    openClass: "sidebar-open",
    focusOnOpen: () => chatList.element.querySelector<HTMLElement>(".current .open-chat") ?? chatList.element.querySelector("#new-chat")
  });
  toggleSidebar.addEventListener("click", () => sidebarPanel.toggle());
  chatList.element.setAttribute("tabindex", "-1");
  const toggleExpert = h("button", {className: "icon", attrs: {id: "toggle-expert", type: "button", "aria-label": "Expert settings", title: "Expert settings"}, text: "⚙"});
  const expertPanel = sidePanel({panel: expert.element, toggleButton: toggleExpert, openClass: "expert-open", focusOnOpen: () => expert.element.querySelector("select")});
  toggleExpert.addEventListener("click", () => expertPanel.toggle());
  expert.closeButton.addEventListener("click", () => expertPanel.close());

  const userBox = info.auth_required
    ? h("div", {className: "user"}, h("span", {text: info.user}), button("logout", "Log out", () => void logout()))
    : null;

  root.replaceChildren(
    h(
      "header",
      {className: "topbar"},
      toggleSidebar,
      h("h1", {text: "h2oGPT"}),
      h("div", {className: "models"}, model1, compareBox),
      toggleDocuments,
      toggleExpert,
      userBox
    ),
    h(
      "div",
      {className: "layout"},
      chatList.element,
      h(
        "main",
        {className: "main"},
        notice,
        view.element,
        undoClearBar,
        errorLine,
        h(
          "form",
          {className: "composer", on: {submit: (event) => (event.preventDefault(), void sendMessage())}},
          prompt,
          h("div", {className: "buttons"}, send, stop)
        ),
        h("div", {className: "actions"}, regenerate, undo, clearButton, docMode)
      ),
      documents?.element,
      expert.element
    ),
    viewer.element
  );
  if (documents != null) {
    // Files dropped on the chat go where the panel would put them; the panel opens to show their progress.
    acceptFileDrops(root.querySelector("main")!, (files) => {
      documentsPanel?.open();
      documents.upload(files);
    });
    void documents.refresh();
  }

  function selectedModels(): string[] {
    return compare.checked && model2.value !== model1.value ? [model1.value, model2.value] : [model1.value];
  }

  function showModels(): void {
    model2.hidden = !compare.checked;
    const chosen = selectedModels();
    const selected = chosen.map((name) => info.models.find((m) => m.name === name)!).filter(Boolean);
    expert.showModels(selected);
    const notices = selected.filter((m) => m.notice != null).map((m) => `${m.name}: ${m.notice}`);
    noticeText.textContent = notices.join("\n");
    notice.hidden = notices.length === 0 || localStorage.getItem(NOTICE_KEY) === noticeText.textContent;
  }

  /** True from the moment a send starts (before any request) until its answers end: a second Enter does nothing. */
  let busy = false;
  function setBusy(value: boolean): void {
    busy = value;
    document.body.classList.toggle("busy", value);
    send.disabled = value;
    stop.disabled = !value;
    updateActions();
  }

  /** Regenerate, Undo and Clear need a chat with messages, and no answer running. */
  function updateActions(): void {
    const empty = chat == null || chat.messages.length === 0;
    for (const b of [regenerate, undo, clearButton]) b.disabled = busy || empty;
  }

  function showError(error: unknown): void {
    errorLine.textContent = error instanceof Error ? error.message : String(error);
  }

  async function refreshList(): Promise<void> {
    chats = (await api<{chats: ChatSummary[]}>("/api/chats")).chats;
    chatList.render(chats, chat?.id);
  }

  function setModels(models: readonly string[]): void {
    const served = models.filter((m) => names.includes(m));
    if (served[0] != null) model1.value = served[0];
    compare.checked = served.length > 1;
    if (served[1] != null) model2.value = served[1];
    showModels();
  }

  function newChat(): void {
    stopAll();
    void commitClear();
    chat = undefined;
    history.replaceState(null, "", "/");
    view.render(undefined, selectedModels());
    chatList.render(chats, undefined);
    sidebarPanel.close();
    updateActions();
    prompt.focus();
  }

  async function openChat(id: string): Promise<void> {
    stopAll();
    await commitClear();
    try {
      chat = await api<Chat>(`/api/chats/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return newChat();
      throw error;
    }
    history.replaceState(null, "", `/#chat=${chat.id}`);
    setModels(chat.models);
    view.render(chat, chat.models);
    chatList.render(chats, chat.id);
    sidebarPanel.close();
    updateActions();
  }

  async function reloadChat(): Promise<void> {
    if (chat == null) return;
    chat = await api<Chat>(`/api/chats/${chat.id}`);
    view.render(chat, chat.models);
    updateActions();
  }

  async function deleteChat(id: string): Promise<void> {
    if (!confirm("Delete this chat?")) return;
    await api(`/api/chats/${encodeURIComponent(id)}`, {method: "DELETE"});
    if (chat?.id === id) newChat();
    await refreshList();
  }


  /** Streams one model's answer into its cell; false when the user stopped it. */
  async function answer(chatId: string, turn: number, model: string): Promise<boolean> {
    const controller = new AbortController();
    streams.set(model, controller);
    const cell = view.answer(turn, model);
    cell.setStatus("streaming", null);
    let text = "";
    let finished = false;
    let messageId: number | undefined;
    try {
      await streamEvents(`/api/chats/${chatId}/answer`, {model, ...expert.requestFields(), ...choice?.requestFields()}, controller.signal, (event) => {
        const data = JSON.parse(event.data);
        if (event.event === "start") messageId = data.message_id;
        else if (event.event === "delta") {
          text += data.text;
          cell.setText(text);
        } else if (event.event === "done") {
          finished = true;
          cell.setText(data.content);
          cell.setStatus(data.status as MessageStatus, data.meta as AnswerMeta);
        } else if (event.event === "error") {
          finished = true;
          cell.setStatus("error", {error: data.error?.message ?? "generation failed"});
        }
      });
      if (!finished) cell.setStatus(controller.signal.aborted ? "stopped" : "error", controller.signal.aborted ? null : {error: "the connection closed early"});
    } catch (error) {
      if (controller.signal.aborted) cell.setStatus("stopped", null);
      else cell.setStatus("error", {error: error instanceof Error ? error.message : String(error)});
    } finally {
      streams.delete(model);
    }
    // The server wrote more than arrived before the Stop: it keeps exactly what this cell shows.
    if (controller.signal.aborted && !finished && messageId != null)
      await api(`/api/chats/${chatId}/answer/${messageId}/shown`, {body: {content: text}}).catch(() => undefined);
    return !controller.signal.aborted;
  }

  async function answerAll(turn: number): Promise<void> {
    if (chat == null) return;
    const chatId = chat.id;
    const completed = await Promise.all(chat.models.map((model) => answer(chatId, turn, model)));
    // After a stop the server saves the partial answer a moment later; the cells already show it, so only a
    // fully finished round is re-read (to pick up the stored numbers).
    if (chat?.id === chatId && completed.every(Boolean)) await reloadChat();
    await refreshList();
  }

  /** The chat being created, so two sends never create two chats. */
  let creating: Promise<Chat> | undefined;
  async function ensureChat(): Promise<Chat> {
    const models = selectedModels();
    if (chat == null) {
      creating ??= api<ChatSummary>("/api/chats", {body: {models}}).then((created) => {
        chat = {...created, messages: []};
        history.replaceState(null, "", `/#chat=${chat.id}`);
        return chat;
      });
      try {
        return await creating;
      } finally {
        creating = undefined;
      }
    } else if (chat.models.join("\n") !== models.join("\n")) {
      await api(`/api/chats/${chat.id}`, {method: "PATCH", body: {models}});
      chat = {...chat, models};
    }
    return chat;
  }

  /** Runs one user action (send, regenerate, undo) with the busy state set first; a second one meanwhile is ignored. */
  async function exclusive(task: () => Promise<void>): Promise<void> {
    if (busy || streams.size > 0) return;
    setBusy(true);
    errorLine.textContent = "";
    try {
      await commitClear();
      await task();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
      prompt.focus();
    }
  }

  async function sendMessage(): Promise<void> {
    const text = prompt.value;
    if (text.trim() === "" || busy) return;
    const problem = expert.problem();
    if (problem != null) {
      showError(`${problem} (Expert settings)`);
      return;
    }
    await exclusive(async () => {
      const current = await ensureChat();
      const message = await api<Message>(`/api/chats/${current.id}/messages`, {body: {content: text}});
      if (prompt.value === text) prompt.value = "";
      current.messages.push(message);
      view.addUserTurn(message.turn, message.content, current.models);
      updateActions();
      await answerAll(message.turn);
    });
  }

  async function regenerateLast(): Promise<void> {
    const last = chat?.messages.filter((m) => m.role === "user").at(-1);
    if (chat == null || last == null) return;
    const problem = expert.problem();
    if (problem != null) return showError(`${problem} (Expert settings)`);
    await exclusive(async () => {
      await ensureChat();
      await answerAll(last.turn);
    });
  }

  async function chatAction(action: "undo"): Promise<void> {
    if (chat == null) return;
    const current = chat;
    await exclusive(async () => {
      await api(`/api/chats/${current.id}/${action}`, {body: {}});
      await reloadChat();
      await refreshList();
    });
  }

  /** Clear hides the chat at once and offers Undo; the server clears it when the offer ends. */
  let cleared: {chat: Chat; timer: ReturnType<typeof setTimeout>} | undefined;
  const UNDO_CLEAR_MS = 10_000;
  function clearChat(): void {
    if (chat == null || busy || chat.messages.length === 0) return;
    void commitClear();
    cleared = {chat, timer: setTimeout(() => void commitClear(), UNDO_CLEAR_MS)};
    chat = {...chat, messages: []};
    view.render(chat, chat.models);
    undoClearBar.hidden = false;
    updateActions();
    undoClear.focus();
  }

  function restoreCleared(): void {
    if (cleared == null) return;
    clearTimeout(cleared.timer);
    if (chat?.id === cleared.chat.id) {
      chat = cleared.chat;
      view.render(chat, chat.models);
    }
    cleared = undefined;
    undoClearBar.hidden = true;
    updateActions();
    prompt.focus();
  }

  async function commitClear(keepalive = false): Promise<void> {
    if (cleared == null) return;
    const {chat: target, timer} = cleared;
    cleared = undefined;
    clearTimeout(timer);
    undoClearBar.hidden = true;
    const path = `/api/chats/${target.id}/clear`;
    try {
      if (keepalive) await fetch(path, {method: "POST", keepalive: true, credentials: "same-origin", headers: {...CSRF_HEADERS, "content-type": "application/json"}, body: "{}"});
      else {
        await api(path, {body: {}});
        await refreshList();
      }
    } catch (error) {
      showError(error);
    }
  }

  function stopAll(): void {
    for (const controller of streams.values()) controller.abort();
  }

  async function logout(): Promise<void> {
    await api("/auth/logout", {body: {}});
    location.assign("/login");
  }

  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void sendMessage();
    }
  });
  // Capture phase: stopping an answer comes before Esc closes a panel (side-panel.ts skips a used Esc); an open
  // document viewer takes Esc for itself.
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Escape" && streams.size > 0 && document.querySelector("dialog[open]") == null) {
        event.preventDefault();
        stopAll();
      }
    },
    true
  );
  for (const element of [model1, model2, compare]) element.addEventListener("change", showModels);
  addEventListener("pagehide", () => void commitClear(true));

  showModels();
  await refreshList();
  const fromUrl = /^#chat=([\w-]+)$/.exec(location.hash)?.[1];
  if (fromUrl != null) await openChat(fromUrl);
  else newChat();
  document.body.classList.add("ready");
}

main().catch((error: unknown) => {
  const root = document.getElementById("app");
  if (root != null) root.textContent = `The chat could not start: ${error instanceof Error ? error.message : String(error)}`;
});
