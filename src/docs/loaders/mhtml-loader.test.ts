import {describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import type {LoadedDocument} from "../document-types.js";
import {mhtmlLoader} from "./mhtml-loader.js";
import {loadContext, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

const crlf = (lines: readonly string[]): string => lines.join("\r\n");

/** A page as Chrome saves it: quoted-printable HTML (`=3D`, soft line breaks), an image, a second frame. */
function savedPage(options: {subject?: string; html?: readonly string[]; htmlHeaders?: readonly string[]} = {}): string {
  const boundary = "----MultipartBoundary--Xy7----";
  return crlf([
    "From: <Saved by Blink>",
    "Snapshot-Content-Location: https://example.com/engine",
    `Subject: ${options.subject ?? "=?utf-8?Q?The_Engine_=E2=80=93_saved?="}`,
    "Date: Tue, 1 Apr 2025 10:00:00 -0000",
    "MIME-Version: 1.0",
    "Content-Type: multipart/related;",
    '\ttype="text/html";',
    `\tboundary="${boundary}"`,
    "",
    "",
    `--${boundary}`,
    "Content-Type: image/png",
    "Content-Transfer-Encoding: base64",
    "Content-Location: https://example.com/logo.png",
    "",
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "",
    `--${boundary}`,
    ...(options.htmlHeaders ?? [
      "Content-Type: text/html",
      "Content-ID: <frame-1@mhtml.blink>",
      "Content-Transfer-Encoding: quoted-printable",
      "Content-Location: https://example.com/engine"
    ]),
    "",
    ...(options.html ?? [
      '<!DOCTYPE html><html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3DUTF-8">',
      "<title>Analytical Engine</title><style>p { color: red; }</style></head><body>",
      '<p class=3D"lead">The engine weaves algebraic patterns just as the Jacquard loo=',
      "m weaves flowers and leaves.</p><p>Caf=C3=A9 notes =E2=80=93 a =3D b.</p>",
      '<img src=3D"https://example.com/logo.png"></body></html>'
    ]),
    "",
    `--${boundary}`,
    "Content-Type: text/html",
    "Content-ID: <frame-2@mhtml.blink>",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "<html><body><p>An advert frame.</p></body></html>",
    "",
    `--${boundary}--`,
    ""
  ]);
}

async function loadPage(text: string | Uint8Array): Promise<LoadedDocument[]> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const documents: LoadedDocument[] = [];
  const input = {name: "page.mhtml", source: "/saved/page.mhtml", bytes};
  for await (const document of mhtmlLoader.load(input, loadContext(unavailableOcr), 0)) documents.push(document);
  return documents;
}

async function loadError(text: string): Promise<DocumentLoadError> {
  const error = await loadPage(text).then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("mhtmlLoader", () => {
  it("reads the first HTML part, decoding quoted-printable, and ignores images and later frames", async () => {
    expect(await loadPage(savedPage())).toEqual([
      {
        source: "/saved/page.mhtml",
        format: "mhtml",
        title: "Analytical Engine",
        metadata: {url: "https://example.com/engine"},
        segments: [
          {
            text:
              "The engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.\n\n" +
              "Café notes – a = b."
          }
        ]
      }
    ]);
  });

  it("takes the title from the Subject when the page has none", async () => {
    const [document] = await loadPage(savedPage({html: ["<html><body><p>Untitled page text.</p></body></html>"]}));
    expect(document.title).toBe("The Engine – saved");
    expect(document.segments).toEqual([{text: "Untitled page text."}]);
  });

  it("decodes a base64 part in its declared charset", async () => {
    const html = Buffer.from("<html><body><p>Gr\u00fc\u00dfe aus K\u00f6ln</p></body></html>", "latin1").toString("base64");
    const [document] = await loadPage(
      savedPage({
        html: [html],
        htmlHeaders: ["Content-Type: text/html; charset=iso-8859-1", "Content-Transfer-Encoding: base64"]
      })
    );
    expect(document.segments).toEqual([{text: "Grüße aus Köln"}]);
  });

  it("reads an HTML part nested in a multipart/alternative", async () => {
    const page = crlf([
      "Subject: Nested",
      'Content-Type: multipart/related; boundary="outer"',
      "",
      "--outer",
      'Content-Type: multipart/alternative; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>Inside.</p>",
      "--inner--",
      "--outer--"
    ]);
    const [document] = await loadPage(page);
    expect(document).toEqual({
      source: "/saved/page.mhtml",
      format: "mhtml",
      title: "Nested",
      segments: [{text: "Inside."}]
    });
  });

  it("refuses a file without MIME headers", async () => {
    const error = await loadError("<html><body>not a saved page</body></html>");
    expect(error.message).toBe(
      "/saved/page.mhtml: not an MHTML page: it does not start with MIME headers (Content-Type:)"
    );
  });

  it("refuses a multipart without an HTML part", async () => {
    const error = await loadError(
      crlf(["Content-Type: multipart/related; boundary=b", "", "--b", "Content-Type: image/png", "", "xx", "--b--"])
    );
    expect(error.reason).toBe("not an MHTML page: it has no text/html part");
  });

  it("refuses a page whose HTML has no text", async () => {
    const error = await loadError(
      savedPage({html: ["<html><head><script>var x =3D 1;</script></head><body><img src=3D'a.png'></body></html>"]})
    );
    expect(error.reason).toBe("no text found: the page's HTML has no text");
  });
});
