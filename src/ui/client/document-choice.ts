/**
 * Which collection answers come from (h2oGPT's langchain_mode) and what is done with it (langchain_action),
 * kept in localStorage per user: collections are per user, so one user's choice must not follow another who
 * logs in on the same browser.
 */

export const LLM = "LLM";
export const ACTIONS = ["Query", "Summarize", "Extract"] as const;

export interface DocumentChoice {
  langchain_mode: string;
  langchain_action: string;
}

export interface DocumentChoiceStore {
  get(): DocumentChoice;
  set(change: Partial<DocumentChoice>): void;
  /** The answer request's document fields. */
  requestFields(): Record<string, string>;
  /** Calls `listener` after every change (the composer shows the choice). */
  onChange(listener: () => void): void;
}

export function createDocumentChoice(user: string, serverDefault: string, actions: readonly string[]): DocumentChoiceStore {
  const key = `h2ogpt.documents.${user}`;
  const listeners: (() => void)[] = [];
  const choice: DocumentChoice = {langchain_mode: serverDefault, langchain_action: actions[0] ?? "Query"};
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? "{}") as Partial<DocumentChoice>;
    if (typeof saved.langchain_mode === "string" && saved.langchain_mode !== "") choice.langchain_mode = saved.langchain_mode;
    if (typeof saved.langchain_action === "string" && actions.includes(saved.langchain_action)) choice.langchain_action = saved.langchain_action;
  } catch {
    // A damaged entry: keep the defaults.
  }
  return {
    get: () => ({...choice}),
    set(change) {
      Object.assign(choice, change);
      localStorage.setItem(key, JSON.stringify(choice));
      for (const listener of listeners) listener();
    },
    onChange: (listener) => void listeners.push(listener),
    requestFields(): Record<string, string> {
      if (choice.langchain_mode !== LLM) return {langchain_mode: choice.langchain_mode, langchain_action: choice.langchain_action};
      // An omitted langchain_mode means the server's default, so LLM is said explicitly when that default is a collection.
      return serverDefault === LLM ? {} : {langchain_mode: LLM};
    }
  };
}
