import {describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import {textLoader} from "./text-loader.js";
import {loadAll, loadContext, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const load = (bytes: Uint8Array, name = "a.txt") => loadAll(textLoader, bytes, loadContext(unavailableOcr), name);

function utf16(text: string, endian: "le" | "be"): Uint8Array {
  const bytes = new Uint8Array(2 + text.length * 2);
  bytes.set(endian === "le" ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const [first, second] = endian === "le" ? [unit & 0xff, unit >> 8] : [unit >> 8, unit & 0xff];
    bytes[2 + i * 2] = first;
    bytes[3 + i * 2] = second;
  }
  return bytes;
}

async function loadError(bytes: Uint8Array, name = "a.txt"): Promise<DocumentLoadError> {
  const error = await load(bytes, name).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("textLoader", () => {
  it("reads UTF-8 with CJK as one segment", async () => {
    expect(await load(utf8("日本語のテキスト\n中文 text"))).toEqual([
      {source: "/docs/a.txt", format: "text", segments: [{text: "日本語のテキスト\n中文 text"}]}
    ]);
  });

  it("strips a UTF-8 BOM and normalises CRLF and CR to LF", async () => {
    const [document] = await load(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("one\r\ntwo\rthree\n")]));
    expect(document!.segments).toEqual([{text: "one\ntwo\nthree\n"}]);
  });

  it("decodes UTF-16 LE and BE by their BOM", async () => {
    expect((await load(utf16("Grüße, 世界\r\n", "le")))[0]!.segments).toEqual([{text: "Grüße, 世界\n"}]);
    expect((await load(utf16("Grüße, 世界", "be")))[0]!.segments).toEqual([{text: "Grüße, 世界"}]);
  });

  it("repairs a few invalid bytes with U+FFFD and keeps a real U+FFFD", async () => {
    const good = utf8(`${"x".repeat(300)} \uFFFD `);
    const bytes = new Uint8Array([...good, 0xff, ...utf8(" end")]);
    expect((await load(bytes))[0]!.segments[0]!.text).toBe(`${"x".repeat(300)} \uFFFD \uFFFD end`);
  });

  it("refuses bytes that are mostly not UTF-8", async () => {
    const bytes = new Uint8Array(200);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 2 === 0 ? 0x41 : 0xfe;
    const error = await loadError(bytes);
    expect(error.reason).toBe("not valid UTF-8 text (100 invalid bytes of 200)");
    expect(error.source).toBe("/docs/a.txt");
  });

  it("refuses empty and whitespace-only files", async () => {
    expect((await loadError(new Uint8Array(0))).reason).toBe("empty: the file has no text");
    expect((await loadError(utf8(" \n\t\r\n"))).reason).toBe("empty: the file has no text");
    expect((await loadError(new Uint8Array([0xef, 0xbb, 0xbf]))).reason).toBe("empty: the file has no text");
  });

  it("labels rst and code by extension, one segment each", async () => {
    expect((await load(utf8("Title\n=====\n\nBody"), "a.rst"))[0]!.format).toBe("rst");
    expect(await load(utf8("def f():\n    return 1\n"), "m.py")).toEqual([
      {source: "/docs/m.py", format: "code", segments: [{text: "def f():\n    return 1\n"}]}
    ]);
  });

  it("splits Markdown into one segment per top-level section, headings kept", async () => {
    const markdown = [
      "Intro before any heading.",
      "",
      "# Guide",
      "",
      "Welcome.",
      "",
      "## Install",
      "",
      "Run it.",
      "",
      "```sh",
      "# not a heading",
      "```",
      "",
      "### Details",
      "More.",
      "",
      "## Use ##",
      "Use it."
    ].join("\r\n");
    expect(await load(utf8(markdown), "guide.md")).toEqual([
      {
        source: "/docs/guide.md",
        format: "markdown",
        title: "Guide",
        segments: [
          {text: "Intro before any heading."},
          {text: "# Guide\n\nWelcome.", section: "Guide"},
          {text: "## Install\n\nRun it.\n\n```sh\n# not a heading\n```\n\n### Details\nMore.", section: "Install"},
          {text: "## Use ##\nUse it.", section: "Use"}
        ]
      }
    ]);
  });

  it("splits Markdown at repeated level-1 and setext headings", async () => {
    const [document] = await load(utf8("First\n=====\none\n\n# Second\ntwo\n## Sub\nthree\n"), "a.markdown");
    expect(document!.segments).toEqual([
      {text: "First\n=====\none", section: "First"},
      {text: "# Second\ntwo\n## Sub\nthree", section: "Second"}
    ]);
  });

  it("keeps Markdown without headings as one segment", async () => {
    expect((await load(utf8("just text\n\nmore"), "a.md"))[0]).toEqual({source: "/docs/a.md", format: "markdown", segments: [{text: "just text\n\nmore"}]});
  });

  it("decodes 50 MB of text quickly", async () => {
    const line = "Lorem ipsum dolor sit amet, 日本語 consectetur adipiscing elit.\r\n";
    const bytes = utf8(line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)));
    const started = performance.now();
    const [document] = await load(bytes);
    const elapsed = performance.now() - started;
    expect(document!.segments[0]!.text.startsWith("Lorem ipsum dolor sit amet, 日本語 consectetur adipiscing elit.\nLorem")).toBe(true);
    expect(elapsed).toBeLessThan(5000);
  });
});
