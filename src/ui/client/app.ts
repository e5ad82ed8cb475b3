import {createAnnouncer} from "./announcer.js";
import {api, ApiError, CSRF_HEADERS, streamEvents} from "./api.js";
import {createChatList} from "./chat-list.js";
import {createConversationView} from "./conversation-view.js";
import {createDocumentChoice, LLM} from "./document-choice.js";
import {createDocumentViewer} from "./document-viewer.js";
import {createDocumentsPanel} from "./documents-panel.js";
import {byId, h} from "./dom.js";
import {acceptFileDrops} from "./drop-zone.js";
import {createExpertPanel} from "./expert-panel.js";
import {createModelPicker} from "./model-picker.js";
import {createModelsPanel} from "./models-panel.js";
import {createShortcutsDialog, isTyping} from "./shortcuts.js";
import {sidePanel} from "./side-panel.js";
import {applyStoredTheme, createThemeToggle} from "./theme.js";
import {createTokenBudget} from "./token-budget.js";
import type {AnswerMeta, Chat, ChatSettings, ChatSummary, Message, MessageStatus, ServerInfo} from "./types.js";

/**
 * The chat page: wires the header, sidebar, conversation, composer, expert panel and (when the server has
 * document collections) the Documents panel and document viewer to the server's API; for admins, the Models
 * dialog.
 */

applyStoredTheme();

async function main(): Promise<void> {
  const root = byId("app");
  let info = await api<ServerInfo>("/api/info");

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
    onRename: (id, title) => void renameChat(id, title),
    onSearch: () => void refreshList().catch(showError),
    onImport: (file) => void importChats(file),
    onDeleteAll: () => void deleteAllChats(),
    onClose: () => sidebarPanel.close()
  });
  const picker = createModelPicker(info.models);
  const announcer = createAnnouncer();
  const budget = createTokenBudget();
  const shortcuts = createShortcutsDialog();
  const modelsPanel = info.admin === true ? createModelsPanel({promptTypes: info.prompt_types, onChanged: reloadInfo}) : null;
  const toggleModels =
    modelsPanel == null
      ? null
      : h("button", {className: "icon text", attrs: {id: "toggle-models", type: "button", "aria-haspopup": "dialog"}, text: "Models", on: {click: () => void modelsPanel.open()}});

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
  const prompt = h("textarea", {attrs: {id: "prompt", rows: 2, placeholder: "Send a message", "aria-label": "Message", enterkeyhint: "send", "aria-describedby": "token-budget"}});
  const button = (id: string, text: string, onClick: () => void, title?: string): HTMLButtonElement =>
    h("button", {attrs: {id, type: "button", title}, text, on: {click: onClick}});
  const send = button("send", "Send", () => void sendMessage(), "Enter");
  const stop = button("stop", "Stop", () => (stopAll(), prompt.focus()), "Esc");
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
      picker.element,
      toggleDocuments,
      toggleModels,
      toggleExpert,
      shortcuts.button,
      createThemeToggle(),
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
        h("div", {className: "actions"}, regenerate, undo, clearButton, budget.element, docMode)
      ),
      documents?.element,
      expert.element
    ),
    viewer.element,
    shortcuts.element,
    ...(modelsPanel == null ? [] : [modelsPanel.element]),
    announcer.element
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
    return picker.selected();
  }

  function showModels(): void {
    const chosen = selectedModels();
    const selected = chosen.map((name) => info.models.find((m) => m.name === name)!).filter(Boolean);
    expert.showModels(selected);
    const notices = selected.filter((m) => m.notice != null).map((m) => `${m.name}: ${m.notice}`);
    noticeText.textContent = notices.join("\n");
    notice.hidden = notices.length === 0 || localStorage.getItem(NOTICE_KEY) === noticeText.textContent;
    scheduleBudget();
  }

  /** After an admin loaded or unloaded a model: the pickers and panels show the served models again. */
  async function reloadInfo(): Promise<void> {
    info = await api<ServerInfo>("/api/info");
    picker.setServed(info.models);
    showModels();
  }

  /** The token budget of the next answer from the first chosen model: the chat so far, the typed text, the settings. */
  function scheduleBudget(): void {
    budget.schedule(() => {
      const model = selectedModels()[0];
      const turns = chat?.messages.length ?? 0;
      if (model == null || (prompt.value.trim() === "" && turns === 0)) return null;
      // The server builds the history from the stored chat, as it does for the answer.
      const history = chat == null || turns === 0 ? {chat_conversation: []} : {chat_id: chat.id};
      return {model, instruction: prompt.value, ...history, ...expert.requestFields(), ...choice?.requestFields()};
    });
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
    const query = chatList.query();
    const found = (await api<{chats: ChatSummary[]}>(query === "" ? "/api/chats" : `/api/chats?q=${encodeURIComponent(query)}`)).chats;
    if (query !== chatList.query()) return;
    chats = found;
    chatList.render(chats, chat?.id);
  }

  function setModels(models: readonly string[]): void {
    picker.set(models);
    showModels();
  }

  async function renameChat(id: string, title: string): Promise<void> {
    try {
      await api(`/api/chats/${encodeURIComponent(id)}`, {method: "PATCH", body: {title}});
      if (chat?.id === id) chat = {...chat, title};
    } catch (error) {
      chatList.report(error instanceof Error ? error.message : String(error), true);
    }
    await refreshList();
    chatList.element.querySelector<HTMLElement>(`li[data-chat-id="${CSS.escape(id)}"] .open-chat`)?.focus();
  }

  async function importChats(file: File): Promise<void> {
    try {
      const text = await file.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${file.name}: not JSON`);
      }
      const {imported} = await api<{imported: number}>("/api/chats/import", {body});
      await refreshList();
      // Said after the list shows them, as the Models dialog does.
      chatList.report(`Imported ${imported} chat${imported === 1 ? "" : "s"} from ${file.name}.`);
    } catch (error) {
      chatList.report(error instanceof Error ? error.message : String(error), true);
    }
  }

  async function deleteAllChats(): Promise<void> {
    if (!confirm("Delete all your chats? This cannot be undone (export them first to keep a copy).")) return;
    try {
      await api("/api/chats", {method: "DELETE", body: {confirm: true}});
      newChat();
      await refreshList();
      chatList.report("All chats deleted.");
    } catch (error) {
      chatList.report(error instanceof Error ? error.message : String(error), true);
    }
  }

  /** A chat's own settings wait here until the chat exists (its first message creates it). */
  let pendingSettings: ChatSettings | undefined;
  let settingsTimer: ReturnType<typeof setTimeout> | undefined;
  function chatSettingsChanged(): void {
    const settings = expert.chatSettings();
    if (chat == null) {
      pendingSettings = settings;
      return;
    }
    chat = {...chat, settings};
    const id = chat.id;
    clearTimeout(settingsTimer);
    settingsTimer = setTimeout(() => void api(`/api/chats/${id}`, {method: "PATCH", body: {settings}}).catch(showError), 400);
  }

  function newChat(): void {
    stopAll();
    void commitClear();
    chat = undefined;
    pendingSettings = undefined;
    expert.showChatSettings(undefined);
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
    pendingSettings = undefined;
    expert.showChatSettings(chat.settings);
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
    scheduleBudget();
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
    const spoken = announcer.follow(chat != null && chat.models.length > 1 ? model : "The model");
    let text = "";
    let finished = false;
    let messageId: number | undefined;
    let doneMeta: AnswerMeta | null = null;
    try {
      await streamEvents(`/api/chats/${chatId}/answer`, {model, ...expert.requestFields(), ...choice?.requestFields()}, controller.signal, (event) => {
        const data = JSON.parse(event.data);
        if (event.event === "start") messageId = data.message_id;
        else if (event.event === "delta") {
          text += data.text;
          cell.setText(text);
          spoken.update(text);
        } else if (event.event === "done") {
          finished = true;
          cell.setText(data.content);
          doneMeta = data.meta as AnswerMeta;
          cell.setStatus(data.status as MessageStatus, doneMeta);
          if (typeof data.prompt_raw === "string") cell.setPrompt(data.prompt_raw);
          spoken.end(data.content, data.status === "complete" ? "answer complete" : String(data.status));
        } else if (event.event === "score") {
          // --score_model: the server scores a complete answer after `done`.
          cell.setStatus("complete", {...doneMeta, score: data.score, scoreText: data.score_text});
        } else if (event.event === "error") {
          finished = true;
          cell.setStatus("error", {error: data.error?.message ?? "generation failed"});
          spoken.end("", `error: ${data.error?.message ?? "generation failed"}`);
        }
      });
      if (!finished) cell.setStatus(controller.signal.aborted ? "stopped" : "error", controller.signal.aborted ? null : {error: "the connection closed early"});
      if (!finished) spoken.end(text, controller.signal.aborted ? "stopped" : "the connection closed early");
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
      const settings = pendingSettings;
      creating ??= api<ChatSummary>("/api/chats", {body: {models}}).then(async (created) => {
        if (settings != null && Object.keys(settings).length > 0) await api(`/api/chats/${created.id}`, {method: "PATCH", body: {settings}});
        chat = {...created, messages: [], settings: settings ?? null};
        pendingSettings = undefined;
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
      prompt.focus();
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
  picker.onChange(showModels);
  expert.onChatSettingsChange(chatSettingsChanged);
  expert.onPromptChange(scheduleBudget);
  prompt.addEventListener("input", scheduleBudget);
  choice?.onChange(scheduleBudget);
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]") != null) return;
    const typing = isTyping(event.target);
    if (event.key === "?" && !typing) {
      event.preventDefault();
      shortcuts.open();
    } else if (event.key === "/" && !typing) {
      event.preventDefault();
      prompt.focus();
    } else if (event.altKey && event.shiftKey && event.code === "KeyN") {
      event.preventDefault();
      newChat();
    } else if (event.altKey && event.shiftKey && event.code === "KeyR") {
      event.preventDefault();
      void regenerateLast();
    }
  });
  shortcuts.element.addEventListener("close", () => prompt.focus());
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
