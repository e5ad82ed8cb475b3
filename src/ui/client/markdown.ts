import DOMPurify from "dompurify";
import {Marked} from "marked";

/**
 * Model output as Markdown, sanitized. Threat model: the model's text is attacker-controlled (prompt injection
 * through a pasted document, or a hostile fine-tune), so it must never run script, load remote resources, or
 * restyle the page. Raw HTML in the text is shown as text, never parsed (as h2oGPT escapes `<` and `>`):
 * parsing it even in a detached document can start an image load. Markdown is rendered by marked, then
 * DOMPurify keeps only a small set of formatting tags
 * and no event handlers, `style`, forms or images (an image URL can leak chat text to another server: a Markdown
 * image shows as its alt text and its address instead); links
 * open in a new tab without referrer or opener. The page's CSP (script-src 'self', img-src 'self') is a second
 * wall behind this one.
 */

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol",
  "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"
];
const ALLOWED_ATTR = ["href", "title", "class", "align", "start"];

const ESCAPES: Readonly<Record<string, string>> = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const markdown = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({text}) => escapeHtml(text),
    // Never an <img> (a remote image would leak the chat): the alt text and the address, as a link to open by choice.
    image: ({href, text}) =>
      `<span class="md-image">[image: ${escapeHtml(text || "no description")}]${href ? ` <a href="${escapeHtml(href)}">${escapeHtml(href)}</a>` : ""}</span>`
  }
});

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      const href = node.getAttribute("href") ?? "";
      if (!/^(https?:|mailto:|#)/i.test(href)) node.removeAttribute("href");
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
    if (node.hasAttribute("class") && !/^(language-[\w+-]+|md-image)$/.test(node.getAttribute("class") ?? "")) node.removeAttribute("class");
  });
}

export function renderMarkdown(text: string): DocumentFragment {
  installHooks();
  const html = markdown.parse(text) as string;
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: [...ALLOWED_ATTR, "target", "rel"],
    ALLOW_DATA_ATTR: false,
    RETURN_DOM_FRAGMENT: true
  });
}
