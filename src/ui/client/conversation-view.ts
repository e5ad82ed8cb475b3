import {clear, h} from "./dom.js";
import {renderMarkdown} from "./markdown.js";
import {renderSources, type OpenSource} from "./sources-list.js";
import {createScoreLine, showScore} from "./score-line.js";
import type {AnswerMeta, Chat, Message, MessageStatus} from "./types.js";

/**
 * The conversation: each turn is the user's message and, below it, one answer per model side by side (compare
 * mode) or a single answer. Each turn keeps its own models: a turn answered by two models stays two labelled
 * columns after Compare is turned off, in the chat's model order (then the order the answers were made).
 * Answers render as sanitized Markdown and re-render at most once per frame while streaming; user messages are
 * shown as plain text. An answer from documents has its sources below it. Each finished answer has a Copy
 * button (its Markdown text) and, when the server said what it sent, "Show prompt": the exact prompt, as text.
 */

export interface AnswerCell {
  setText(text: string): void;
  setStatus(status: MessageStatus, meta: AnswerMeta | null): void;
  /** The exact prompt the model was given (the server's prompt_raw). */
  setPrompt(promptRaw: string): void;
}

const STATUS_TEXT: Readonly<Record<MessageStatus, string>> = {
  complete: "",
  streaming: "generating…",
  stopped: "stopped",
  error: "error",
  interrupted: "interrupted (the server stopped during this answer)"
};

export function describeMeta(status: MessageStatus, meta: AnswerMeta | null): string {
  const parts: string[] = [];
  if (meta?.promptTokens != null) parts.push(`${meta.promptTokens} prompt tokens`);
  if (meta?.completionTokens != null) parts.push(`${meta.completionTokens} new tokens`);
  if (meta?.timeMs != null) parts.push(`${(meta.timeMs / 1000).toFixed(1)} s`);
  if (meta?.stopReason != null && status !== "stopped") parts.push(`stop: ${meta.stopReason}`);
  if (meta?.turnsDropped) parts.push(`${meta.turnsDropped} old turn${meta.turnsDropped === 1 ? "" : "s"} left out to fit the context`);
  if (STATUS_TEXT[status] !== "") parts.unshift(STATUS_TEXT[status]);
  if (meta?.error != null) parts.push(meta.error);
  return parts.join(" · ");
}

function addCopyButtons(root: Element): void {
  for (const pre of root.querySelectorAll("pre")) {
    const button = h("button", {className: "copy", attrs: {type: "button", "aria-label": "Copy code"}, text: "Copy"});
    button.addEventListener("click", () => {
      void navigator.clipboard?.writeText(pre.querySelector("code")?.textContent ?? pre.textContent ?? "").then(() => {
        button.textContent = "Copied";
        setTimeout(() => (button.textContent = "Copy"), 1500);
      });
    });
    pre.prepend(button);
  }
}

function createAnswerCell(model: string, showModel: boolean, onRendered: () => void, onOpenSource: OpenSource): {element: HTMLElement; cell: AnswerCell} {
  const body = h("div", {className: "markdown"});
  const footer = h("div", {className: "meta"});
  const sources = h("div", {className: "answer-sources"});
  const score = createScoreLine();
  let raw = "";
  const copy = h("button", {
    className: "link copy-answer",
    attrs: {type: "button", "aria-label": `Copy the answer from ${model}`},
    text: "Copy",
    on: {
      click: () =>
        void navigator.clipboard?.writeText(raw).then(() => {
          copy.textContent = "Copied";
          setTimeout(() => (copy.textContent = "Copy"), 1500);
        })
    }
  });
  const promptText = h("pre", {className: "prompt-raw-text"});
  const promptBox = h("details", {className: "prompt-raw"}, h("summary", {text: "Show prompt"}), promptText);
  promptBox.hidden = true;
  const tools = h("div", {className: "answer-tools"}, copy, promptBox);
  tools.hidden = true;
  const element = h(
    "div",
    {className: "answer", attrs: {"data-model": model}},
    showModel ? h("div", {className: "model-name", text: model}) : null,
    body,
    score,
    sources,
    footer,
    tools
  );
  let pending: string | undefined;
  const render = (): void => {
    if (pending == null) return;
    body.replaceChildren(renderMarkdown(pending));
    addCopyButtons(body);
    pending = undefined;
    onRendered();
  };
  return {
    element,
    cell: {
      setText(text) {
        raw = text;
        const first = pending == null;
        pending = text;
        if (first) requestAnimationFrame(render);
      },
      setStatus(status, meta) {
        render();
        element.dataset.status = status;
        footer.textContent = describeMeta(status, meta);
        tools.hidden = status === "streaming" || raw === "";
        // An error is said in the error style and read out, not left as small grey footer text.
        if (status === "error") footer.setAttribute("role", "alert");
        else footer.removeAttribute("role");
        const rendered = renderSources(meta, onOpenSource);
        sources.replaceChildren(...(rendered == null ? [] : [rendered]));
        showScore(score, meta);
      },
      setPrompt(promptRaw) {
        promptText.textContent = promptRaw;
        promptBox.hidden = false;
      }
    }
  };
}

export interface ConversationView {
  readonly element: HTMLElement;
  render(chat: Chat | undefined, models: readonly string[]): void;
  /** The answer cell for `model` in `turn`, created (and emptied) when needed. */
  answer(turn: number, model: string): AnswerCell;
  /** Shows a user message that is not in a rendered chat yet. */
  addUserTurn(turn: number, content: string, models: readonly string[]): void;
}

export function createConversationView(options: {onOpenSource: OpenSource}): ConversationView {
  // Not a live region itself: streamed answers are read out in pieces by announcer.ts.
  const element = h("section", {className: "conversation", attrs: {id: "conversation", "aria-label": "Conversation", tabindex: -1}});
  /** Each turn's models, in their column order. */
  const turnModels = new WeakMap<HTMLElement, string[]>();

  const nearBottom = (): boolean => element.scrollHeight - element.scrollTop - element.clientHeight < 80;
  let stick = true;
  element.addEventListener("scroll", () => (stick = nearBottom()));
  const follow = (): void => {
    if (stick) element.scrollTop = element.scrollHeight;
  };

  const setTurnModels = (section: HTMLElement, models: readonly string[]): void => {
    turnModels.set(section, [...models]);
    const answers = section.querySelector<HTMLElement>(".answers")!;
    answers.className = `answers cols-${Math.max(1, models.length)}`;
    // Labels follow the turn's own column count.
    for (const cell of answers.querySelectorAll<HTMLElement>(".answer")) {
      const label = cell.querySelector(".model-name");
      if (models.length > 1 && label == null) cell.prepend(h("div", {className: "model-name", text: cell.dataset.model ?? ""}));
      if (models.length <= 1) label?.remove();
    }
  };

  const turnSection = (turn: number, userText: string, models: readonly string[]): HTMLElement => {
    const answers = h("div", {className: "answers"});
    const section = h("section", {className: "turn", attrs: {"data-turn": turn}}, h("div", {className: "bubble user", text: userText}), answers);
    setTurnModels(section, models);
    element.appendChild(section);
    return section;
  };

  const placeAnswer = (section: HTMLElement, model: string, message?: Message): AnswerCell => {
    const answers = section.querySelector(".answers")!;
    answers.querySelector(`.answer[data-model="${CSS.escape(model)}"]`)?.remove();
    let models = turnModels.get(section) ?? [];
    if (!models.includes(model)) setTurnModels(section, (models = [...models, model]));
    const {element: cellElement, cell} = createAnswerCell(model, models.length > 1, follow, options.onOpenSource);
    const order = models.indexOf(model);
    const after = [...answers.children].find((child) => models.indexOf((child as HTMLElement).dataset.model ?? "") > order);
    answers.insertBefore(cellElement, after ?? null);
    if (message != null) {
      cell.setText(message.content);
      cell.setStatus(message.status, message.meta);
      const promptRaw = (message.meta as {promptRaw?: unknown} | null)?.promptRaw;
      if (typeof promptRaw === "string") cell.setPrompt(promptRaw);
    }
    return cell;
  };

  const empty = (): HTMLElement =>
    h(
      "div",
      {className: "empty"},
      h("p", {text: "Ask anything."}),
      h("p", {className: "keys", text: "Enter sends · Shift+Enter adds a line · Esc stops · ? lists the shortcuts"})
    );

  return {
    element,
    render(chat, models) {
      clear(element);
      stick = true;
      const messages = chat?.messages ?? [];
      if (messages.length === 0) {
        element.appendChild(empty());
        return;
      }
      // A turn's columns: the chat's models first, in its order, then any others in the order they answered.
      const answered = new Map<number, string[]>();
      for (const message of messages) {
        if (message.role !== "assistant") continue;
        const list = answered.get(message.turn) ?? [];
        if (!list.includes(message.model ?? "?")) list.push(message.model ?? "?");
        answered.set(message.turn, list);
      }
      const ordered = (turn: number): string[] => {
        const list = answered.get(turn) ?? [];
        return [...models.filter((m) => list.includes(m)), ...list.filter((m) => !models.includes(m))];
      };
      const sections = new Map<number, HTMLElement>();
      for (const message of messages) {
        if (message.role === "user") sections.set(message.turn, turnSection(message.turn, message.content, ordered(message.turn)));
        else {
          const section = sections.get(message.turn);
          if (section != null) placeAnswer(section, message.model ?? "?", message);
        }
      }
      follow();
    },
    answer(turn, model) {
      const section = element.querySelector<HTMLElement>(`.turn[data-turn="${turn}"]`);
      if (section == null) throw new Error(`turn ${turn} is not shown`);
      return placeAnswer(section, model);
    },
    addUserTurn(turn, content, models) {
      element.querySelector(".empty")?.remove();
      turnSection(turn, content, models);
      stick = true;
      follow();
    }
  };
}
