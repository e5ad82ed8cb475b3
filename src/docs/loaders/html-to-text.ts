import {Readability} from "@mozilla/readability";
import {parseHTML} from "linkedom";

/** Elements whose content is never text a reader sees. */
const SKIPPED = new Set(["script", "style", "noscript", "template", "svg", "iframe", "head", "object", "embed", "canvas", "math", "select"]);

const SKIPPED_SELECTOR = [...SKIPPED].filter((name) => name !== "head").join(",");

/** Page furniture Readability leaves out; dropped from the fallback's size comparison too. */
const BOILERPLATE = ["nav", "footer", "aside", "header", "form"];

/** Elements that start a new paragraph ("\n\n" around them). */
const PARAGRAPH_BLOCKS = new Set([
  "p",
  "div",
  "pre",
  "blockquote",
  "table",
  "section",
  "article",
  "main",
  "header",
  "footer",
  "nav",
  "aside",
  "dl",
  "figure",
  "form",
  "fieldset",
  "address",
  "details",
  "hr",
  "body"
]);

/** Elements that start a new line ("\n" around them). */
const LINE_BLOCKS = new Set(["li", "tr", "dt", "dd", "figcaption", "caption", "summary", "legend", "option"]);

const HEADING = /^h([1-6])$/;
const LEVEL_ATTRIBUTE = "data-heading-level";

/** Readability's DOM walk is heavy; a page past this many elements is read whole instead. */
const MAX_READABILITY_ELEMENTS = 20_000;

/** Readability recurses through ancestors: past this nesting it is slow and overflows the stack, so the page is read whole. */
const MAX_READABILITY_DEPTH = 400;

/** Readability keeps less than this share of the page's text: it missed the content, so the whole body is read. */
const MIN_ARTICLE_SHARE = 0.25;

// linkedom's DOM is structurally the browser's; these are the few members the walk needs.
interface DomNode {
  readonly nodeType: number;
  readonly localName?: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
  hasAttribute?(name: string): boolean;
  getAttribute?(name: string): string | null;
  toString(): string;
}

/**
 * Extracts the readable text of an HTML page: the main content found by Readability (navigation, footers and
 * asides dropped), or the whole body when Readability finds nothing or too little. Block structure is kept as
 * newlines, headings become Markdown `#` lines (so chunking keeps sections), table cells are joined by " | ",
 * `pre` stays verbatim, and scripts, styles, SVG and frames never become text. Entities are decoded.
 */
export function htmlToText(html: string): {title?: string; text: string} {
  const page = readPage(html);
  // The page's DOM is gone by now: a large page is never held twice while Readability parses its own copy.
  const article = page.large ? undefined : readArticle(html);
  const text = article != null && article.text.length >= MIN_ARTICLE_SHARE * page.contentLength ? article.text : page.fullText;
  const chosenTitle = page.title !== "" ? page.title : (article?.title ?? "");
  return chosenTitle === "" ? {text} : {title: chosenTitle, text};
}

/** The whole page's text and title, the length of its text without page furniture, and whether Readability should skip it. */
function readPage(html: string): {title: string; fullText: string; contentLength: number; large: boolean} {
  const document = parseDocument(html);
  const title = collapse(document.title ?? "").trim();
  const large = tooLargeForReadability(document.documentElement as unknown as DomNode);
  for (const element of [...document.querySelectorAll(SKIPPED_SELECTOR)]) element.remove();
  const body = document.body as unknown as DomNode | null;
  const fullText = body == null ? "" : renderText(body);
  if (large || body == null) return {title, fullText, contentLength: fullText.length, large};
  for (const element of [...document.querySelectorAll(BOILERPLATE.join(","))]) element.remove();
  return {title, fullText, contentLength: renderText(body).length, large};
}

/** Parses into a document with html, head and body, which linkedom only builds when the markup spells them out. */
function parseDocument(html: string): Document {
  const parsed = parseHTML(html).document;
  const root = parsed.documentElement as Element | null;
  const complete =
    root != null &&
    root.localName === "html" &&
    [...root.children].some((child) => child.localName === "body") &&
    [...parsed.childNodes].every((node) => node === root || node.nodeType !== 1);
  if (complete) return parsed;
  const head: string[] = [];
  const bodyParts: string[] = [];
  // Document order, without recursion: nested html/body wrappers are opened in place.
  const pending = Array.from(parsed.childNodes as unknown as ArrayLike<DomNode>).reverse();
  while (pending.length > 0) {
    const node = pending.pop()!;
    const name = node.nodeType === 1 ? node.localName : undefined;
    if (node.nodeType === 10) continue;
    if (name === "html" || name === "body") {
      const children = Array.from(node.childNodes);
      for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
    }
    else if (name === "head") for (const child of Array.from(node.childNodes)) head.push(child.toString());
    else if (name === "title" || name === "meta" || name === "link" || name === "base") head.push(node.toString());
    else bodyParts.push(node.toString());
  }
  return parseHTML(`<!DOCTYPE html><html><head>${head.join("")}</head><body>${bodyParts.join("")}</body></html>`).document;
}

/** The main content according to Readability, or undefined when it finds none. */
function readArticle(html: string): {title: string; text: string} | undefined {
  const document = parseDocument(html);
  for (const element of [...document.querySelectorAll(SKIPPED_SELECTOR)]) element.remove();
  // Readability turns h1 into h2; the original level is kept for the "#" prefixes.
  for (const heading of [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")]) heading.setAttribute(LEVEL_ATTRIBUTE, heading.localName.slice(1));
  try {
    const article = new Readability(document, {charThreshold: 20, serializer: (node) => node}).parse();
    if (article?.content == null) return undefined;
    const text = renderText(article.content as unknown as DomNode);
    return text === "" ? undefined : {title: collapse(article.title ?? "").trim(), text};
  } catch {
    // Readability throws on documents it cannot walk (deep nesting, odd markup); the whole body is read instead.
    return undefined;
  }
}

/** More elements or deeper nesting than Readability handles in reasonable time (it recurses through ancestors). */
function tooLargeForReadability(root: DomNode): boolean {
  const stack: Array<{readonly node: DomNode; readonly depth: number}> = [{node: root, depth: 0}];
  let elements = 0;
  while (stack.length > 0) {
    const {node, depth} = stack.pop()!;
    if (depth > MAX_READABILITY_DEPTH || ++elements > MAX_READABILITY_ELEMENTS) return true;
    for (const child of Array.from(node.childNodes)) if (child.nodeType === 1) stack.push({node: child, depth: depth + 1});
  }
  return false;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ");
}

/**
 * Renders a DOM subtree as text. The walk uses its own stack, so hostile nesting cannot overflow the call stack.
 * Breaks are requested rather than written, so adjacent blocks share one separator and none lead or trail.
 */
function renderText(root: DomNode): string {
  const out: string[] = [];
  let pendingBreak = 0;
  let pendingSpace = false;
  let lineStart = true;
  let cellDepth = 0;
  const cellCounts: number[] = [];
  // A heading's "#" or a list item's "-", written only if the element turns out to have text.
  let pendingPrefix = "";
  let listDepth = 0;

  const requestBreak = (newlines: number): void => {
    if (cellDepth > 0) {
      pendingSpace = true;
      return;
    }
    pendingBreak = Math.max(pendingBreak, newlines);
  };
  const emit = (text: string): void => {
    if (out.length > 0 && pendingBreak > 0) {
      out.push("\n".repeat(pendingBreak));
      lineStart = true;
    } else if (pendingSpace && !lineStart) out.push(" ");
    pendingBreak = 0;
    pendingSpace = false;
    out.push(pendingPrefix, text);
    pendingPrefix = "";
    lineStart = text.endsWith("\n");
  };
  const inline = (raw: string): void => {
    const text = collapse(raw);
    if (text.trim() === "") {
      if (text !== "") pendingSpace = true;
      return;
    }
    if (text.startsWith(" ")) pendingSpace = true;
    emit(text.trim());
    if (text.endsWith(" ")) pendingSpace = true;
  };

  type Step = {readonly node: DomNode; readonly exit: boolean};
  const stack: Step[] = [{node: root, exit: false}];
  while (stack.length > 0) {
    const {node, exit} = stack.pop()!;
    if (node.nodeType === 3) {
      inline(node.textContent ?? "");
      continue;
    }
    if (node.nodeType !== 1) continue;
    const name = node.localName ?? "";
    const heading = HEADING.exec(name);
    if (exit) {
      if (name === "td" || name === "th") cellDepth--;
      else if (name === "tr") cellCounts.pop();
      if (heading != null || name === "li") pendingPrefix = "";
      if (name === "ul" || name === "ol") {
        listDepth--;
        requestBreak(listDepth > 0 ? 1 : 2);
      } else if (heading != null || PARAGRAPH_BLOCKS.has(name)) requestBreak(2);
      else if (LINE_BLOCKS.has(name)) requestBreak(1);
      continue;
    }
    if (SKIPPED.has(name) || node.hasAttribute?.("hidden")) continue;
    if (name === "br") {
      requestBreak(1);
      continue;
    }
    if (name === "pre") {
      requestBreak(2);
      // The HTML parser drops the newline right after <pre>; linkedom keeps it.
      const verbatim = (node.textContent ?? "").replace(/^\r?\n/, "").replace(/\s+$/, "");
      if (verbatim !== "") emit(verbatim);
      requestBreak(2);
      continue;
    }
    if (heading != null) {
      requestBreak(2);
      const level = Number(node.getAttribute?.(LEVEL_ATTRIBUTE) ?? heading[1]);
      if (cellDepth === 0) pendingPrefix = `${"#".repeat(level >= 1 && level <= 6 ? level : Number(heading[1]))} `;
    } else if (name === "ul" || name === "ol") {
      // A list inside a list item continues it line by line.
      requestBreak(listDepth > 0 ? 1 : 2);
      listDepth++;
    } else if (PARAGRAPH_BLOCKS.has(name)) requestBreak(2);
    else if (LINE_BLOCKS.has(name)) {
      requestBreak(1);
      if (name === "tr") cellCounts.push(0);
      if (name === "li" && cellDepth === 0) pendingPrefix = `${"  ".repeat(Math.max(0, listDepth - 1))}- `;
    } else if (name === "td" || name === "th") {
      const row = cellCounts.length - 1;
      if (row >= 0) {
        if (cellCounts[row]! > 0 && cellDepth === 0) {
          pendingSpace = true;
          emit("|");
          pendingSpace = true;
        }
        cellCounts[row]!++;
      }
      cellDepth++;
    }
    stack.push({node, exit: true});
    const children = Array.from(node.childNodes);
    for (let i = children.length - 1; i >= 0; i--) stack.push({node: children[i]!, exit: false});
  }
  return out
    .join("")
    .replace(/[ \t]+\n/g, "\n")
    .trim();
}
