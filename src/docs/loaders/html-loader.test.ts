import {describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import {htmlLoader} from "./html-loader.js";
import {htmlToText} from "./html-to-text.js";
import {loadAll, loadContext, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

const load = (html: string | Uint8Array) =>
  loadAll(htmlLoader, typeof html === "string" ? new TextEncoder().encode(html) : html, loadContext(unavailableOcr), "page.html");

const ARTICLE_PAGE = `<!DOCTYPE html>
<html><head><title>Caf&eacute; &amp; Co — Guide</title>
<style>body { color: red } .secret { display: none }</style>
<script>var leaked = "SCRIPT TEXT";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/shop">Shop</a></nav>
<article>
  <h1>Brewing coffee</h1>
  <p>Good coffee needs   fresh beans,
     clean water &amp; patience. &lt;Really&gt;.</p>
  <h2>Equipment</h2>
  <ul><li>A grinder</li><li>A <b>kettle</b></li></ul>
  <table>
    <tr><th>Method</th><th>Minutes</th></tr>
    <tr><td>French press</td><td>4</td></tr>
  </table>
  <pre>
ratio = 1:16
  stir   twice</pre>
  <p>Line one<br>Line two</p>
  <noscript>NOSCRIPT TEXT</noscript>
  <svg><text>SVG TEXT</text></svg>
  <iframe src="https://example.com">IFRAME TEXT</iframe>
  <template><p>TEMPLATE TEXT</p></template>
</article>
<aside>Related: ASIDE TEXT</aside>
<footer>FOOTER TEXT © 2024</footer>
<script>document.write("MORE SCRIPT")</script>
</body></html>`;

describe("htmlToText", () => {
  it("keeps the article's structure and drops page furniture", () => {
    expect(htmlToText(ARTICLE_PAGE)).toEqual({
      title: "Café & Co — Guide",
      text: [
        "# Brewing coffee",
        "Good coffee needs fresh beans, clean water & patience. <Really>.",
        "## Equipment",
        "- A grinder\n- A kettle",
        "Method | Minutes\nFrench press | 4",
        "ratio = 1:16\n  stir   twice",
        "Line one\nLine two"
      ].join("\n\n")
    });
  });

  it("reads the whole body when Readability finds no article", () => {
    // Readability returns null for a page that is nothing but a footer.
    const page = "<html><head><title>Tiny</title></head><body><footer>Only a footer with <i>some</i> words</footer><script>x()</script></body></html>";
    expect(htmlToText(page)).toEqual({title: "Tiny", text: "Only a footer with some words"});
  });

  it("reads fragments without html, head or body", () => {
    expect(htmlToText("plain &amp; <b>bold</b><style>p{}</style><h3>Part</h3><div>a</div><div>b</div>")).toEqual({
      text: "plain & bold\n\n### Part\n\na\n\nb"
    });
  });

  it("keeps headings, lists and tables of a short page", () => {
    const page = "<html><body><h1>Title</h1><p>Intro text.</p><h2>Part</h2><ol><li>x</li><li>y<ul><li>z</li></ul></li></ol><p>End.</p></body></html>";
    expect(htmlToText(page).text).toBe("# Title\n\nIntro text.\n\n## Part\n\n- x\n- y\n  - z\n\nEnd.");
  });

  it("survives deep nesting", () => {
    const deep = `${"<div>".repeat(20_000)}deep${"</div>".repeat(20_000)}`;
    expect(htmlToText(deep)).toEqual({text: "deep"});
  });
});

describe("htmlLoader", () => {
  it("gives one titled document with no script, style, nav or footer text", async () => {
    const [document, ...rest] = await load(ARTICLE_PAGE);
    expect(rest).toEqual([]);
    expect(document!.source).toBe("/docs/page.html");
    expect(document!.format).toBe("html");
    expect(document!.title).toBe("Café & Co — Guide");
    expect(document!.segments).toHaveLength(1);
    const text = document!.segments[0]!.text;
    for (const hidden of ["SCRIPT", "leaked", "color", "Home", "About us", "FOOTER", "ASIDE", "NOSCRIPT", "SVG", "IFRAME", "TEMPLATE"])
      expect(text).not.toContain(hidden);
  });

  it("decodes the charset a meta tag declares", async () => {
    const latin1 = Uint8Array.from([
      ...new TextEncoder().encode('<html><head><meta charset="iso-8859-1"></head><body><p>caf'),
      0xe9,
      ...new TextEncoder().encode(" cr\u00e8me</p></body></html>".replace("\u00e8", "e"))
    ]);
    expect((await load(latin1))[0]!.segments).toEqual([{text: "café creme"}]);
  });

  it("refuses a page without text", async () => {
    const error = await load("<html><head><title>Empty</title><script>x()</script></head><body> <img src=a.png> </body></html>").catch(
      (caught: unknown) => caught
    );
    expect(error).toBeInstanceOf(DocumentLoadError);
    expect((error as DocumentLoadError).reason).toBe("no text found in the HTML");
  });
});
