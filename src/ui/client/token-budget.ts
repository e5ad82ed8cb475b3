import {api} from "./api.js";
import {h} from "./dom.js";
import type {PromptBudget} from "./types.js";

/**
 * "Prompt tokens / context" under the composer, as the user types: the server counts the prompt the next answer
 * would get (POST /api/tokenize_prompt, the same body as the answer), a moment after the typing pauses; an older
 * count still on its way is dropped. Over the context it is said in the error style.
 */

const DELAY_MS = 300;

export interface TokenBudget {
  readonly element: HTMLElement;
  /** Counts again soon; `body` is called then, so it sees the latest text and settings (null: nothing to count). */
  schedule(body: () => Record<string, unknown> | null): void;
}

export function createTokenBudget(): TokenBudget {
  const element = h("div", {className: "token-budget", attrs: {id: "token-budget", "aria-live": "off"}});
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  async function count(body: Record<string, unknown>): Promise<void> {
    inFlight?.abort();
    const controller = (inFlight = new AbortController());
    try {
      const budget = await api<PromptBudget>("/api/tokenize_prompt", {body, signal: controller.signal});
      if (controller.signal.aborted) return;
      const over = budget.fits === false;
      element.textContent = `${budget.prompt_tokens} / ${budget.context} tokens · up to ${Math.max(0, budget.max_new_tokens)} new`;
      element.classList.toggle("over", over);
      element.title = over ? "The prompt does not fit the model's context: shorten it or the context, or start a new chat" : "";
    } catch (error) {
      if (controller.signal.aborted) return;
      element.textContent = `tokens: ${error instanceof Error ? error.message : String(error)}`;
      element.classList.add("over");
    }
  }

  return {
    element,
    schedule(body) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const next = body();
        if (next != null) void count(next);
        else {
          inFlight?.abort();
          element.textContent = "";
          element.classList.remove("over");
        }
      }, DELAY_MS);
    }
  };
}
