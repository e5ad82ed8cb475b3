import {h} from "./dom.js";

/**
 * The polite live region a screen reader reads streamed answers from. Announcing every token would make it
 * talk over itself, so an answer is read in pieces: what arrived since the last piece, at most every
 * ANNOUNCE_EVERY_MS while it streams, and the rest when it ends.
 */

const ANNOUNCE_EVERY_MS = 4000;

export interface Announcer {
  readonly element: HTMLElement;
  say(text: string): void;
  /** Follows one streaming answer: `update` with the whole text so far, `end` once with the final text. */
  follow(label: string): {update(text: string): void; end(text: string, outcome: string): void};
}

export function createAnnouncer(): Announcer {
  const element = h("div", {className: "visually-hidden", attrs: {id: "announcer", role: "status", "aria-live": "polite", "aria-atomic": "true"}});
  const say = (text: string): void => {
    element.textContent = text;
  };
  return {
    element,
    say,
    follow(label) {
      let told = 0;
      let last = 0;
      say(`${label} is answering.`);
      return {
        update(text) {
          const now = performance.now();
          if (last === 0) last = now;
          if (now - last < ANNOUNCE_EVERY_MS || text.length <= told) return;
          say(text.slice(told));
          told = text.length;
          last = now;
        },
        end(text, outcome) {
          const rest = text.length > told ? text.slice(told) : "";
          say(`${rest} (${label}: ${outcome})`.trim());
        }
      };
    }
  };
}
