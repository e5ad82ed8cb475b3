import {strToU8, unzipSync, zipSync} from "fflate";
import {describe, expect, it} from "vitest";
import {ArchiveLimitError, DocumentLoadError} from "../docs-errors.js";
import type {ArchiveLimits, LoadedDocument, Loader} from "../document-types.js";
import {docxLoader} from "./docx-loader.js";
import {epubLoader} from "./epub-loader.js";
import {opendocumentLoader} from "./opendocument-loader.js";
import {pptxLoader} from "./pptx-loader.js";
import {
  docxParagraph,
  docxTable,
  makeDocx,
  makeEpub,
  makeOds,
  makeOdt,
  makePptx,
  makeXlsx
} from "./test-fixtures/office-fixtures.js";
import {textLoadContext} from "./test-fixtures/text-load-context.js";
import {xlsxLoader} from "./xlsx-loader.js";

async function load(loader: Loader, name: string, bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}) {
  const {context} = textLoadContext(limits);
  const documents: LoadedDocument[] = [];
  for await (const document of loader.load({name, source: `/docs/${name}`, bytes}, context, 0)) documents.push(document);
  expect(documents).toHaveLength(1);
  return documents[0];
}

async function failure(loader: Loader, name: string, bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}) {
  const error = await load(loader, name, bytes, limits).then(
    () => undefined,
    (thrown: unknown) => thrown
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  expect((error as DocumentLoadError).source).toBe(`/docs/${name}`);
  return error as DocumentLoadError;
}

/** Rewrites one part of a zip package. */
function replacePart(zip: Uint8Array, part: string, content: string | Uint8Array): Uint8Array {
  const files = unzipSync(zip);
  files[part] = typeof content === "string" ? strToU8(content) : new Uint8Array(content);
  return zipSync(files);
}

const CFB = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(504).fill(0)]);

describe("docxLoader", () => {
  const docx = makeDocx(
    docxParagraph("Quarterly report", "Title") +
      docxParagraph("Introduction", "Heading1") +
      docxParagraph("Sales grew in every region.") +
      docxTable([
        ["Region", "Sales"],
        ["North", "120"],
        ["South", ""]
      ]) +
      docxParagraph("Details", "Heading2") +
      docxParagraph("North led & South followed.") +
      `<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>first point</w:t></w:r></w:p>` +
      `<w:p><w:r><w:t>kept</w:t></w:r><w:del><w:r><w:delText>deleted</w:delText></w:r></w:del><w:r><w:instrText>PAGE</w:instrText><w:tab/><w:t>text</w:t></w:r></w:p>`,
    {title: "Report 2024"}
  );

  it("reads headings as sections, paragraphs, lists and tables", async () => {
    const document = await load(docxLoader, "report.docx", docx);
    expect(document).toEqual({
      source: "/docs/report.docx",
      format: "docx",
      title: "Report 2024",
      segments: [
        {text: "# Quarterly report", section: "Quarterly report"},
        {
          text: "# Introduction\n\nSales grew in every region.\n\nRegion | Sales\nNorth | 120\nSouth",
          section: "Introduction"
        },
        {text: "## Details\n\nNorth led & South followed.\n\n- first point\n\nkept\ttext", section: "Details"}
      ]
    });
  });

  it("takes the title from a Title paragraph when the properties have none", async () => {
    const document = await load(docxLoader, "t.docx", makeDocx(docxParagraph("The Title", "Title") + docxParagraph("body")));
    expect(document.title).toBe("The Title");
  });

  it("refuses CFB files: legacy .doc or password-protected Office files", async () => {
    const error = await failure(docxLoader, "secret.docx", CFB);
    expect(error.reason).toBe(
      "encrypted or legacy binary Office file (.doc/.xls/.ppt or password protected): not supported"
    );
  });

  it("reports corrupt files: not a zip, broken XML, missing body", async () => {
    expect((await failure(docxLoader, "junk.docx", strToU8("this is not a zip file"))).reason).toBe(
      "corrupt DOCX: not a zip archive (no end of central directory record)"
    );
    const broken = replacePart(docx, "word/document.xml", "<w:document><w:body><w:p></w:body>");
    expect((await failure(docxLoader, "broken.docx", broken)).reason).toMatch(
      /^corrupt DOCX: word\/document\.xml: malformed XML \(.+\)$/
    );
    // DTD entities are never expanded (no "billion laughs"): a part declaring them is refused.
    const laughs = replacePart(
      docx,
      "word/document.xml",
      `<!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]><w:document xmlns:w="urn:w"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>`
    );
    expect((await failure(docxLoader, "laughs.docx", laughs)).reason).toMatch(
      /^corrupt DOCX: word\/document\.xml: malformed XML \(.*undefined entity.*\)$/
    );
    const files = unzipSync(docx);
    delete files["word/document.xml"];
    expect((await failure(docxLoader, "nobody.docx", zipSync(files))).reason).toBe(
      "corrupt DOCX: word/document.xml is missing"
    );
  });

  it("says when a document has no text", async () => {
    expect((await failure(docxLoader, "empty.docx", makeDocx("<w:p/>"))).reason).toBe(
      "no text found: the document has no text (only images or empty)"
    );
  });

  it("refuses a part that would expand past the archive limits", async () => {
    const bomb = replacePart(docx, "word/document.xml", `<w:document><w:body>${" ".repeat(5_000_000)}</w:body></w:document>`);
    const error = await failure(docxLoader, "bomb.docx", bomb);
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error.reason).toMatch(/^archive refused: member "word\/document\.xml" expands \d+ bytes to 5000042 \(\d+x, limit 200x\) \(a zip bomb\?\)$/);
    const small = await failure(docxLoader, "big.docx", docx, {maxTotalBytes: 1000});
    expect(small.reason).toMatch(/^archive refused: \d+ bytes uncompressed in total \(limit 1000 bytes\) \(a zip bomb\?\)$/);
  });
});

describe("pptxLoader", () => {
  // Stored as slide1 = "Agenda"... but presented second: the order comes from presentation.xml.
  const pptx = makePptx(
    [
      {title: "Agenda", paragraphs: ["Budget", "Hiring"], notes: "Keep it short."},
      {title: "Welcome", paragraphs: ["Hello all"]}
    ],
    [1, 0]
  );

  it("reads slides in presentation order with page numbers, titles and notes", async () => {
    const document = await load(pptxLoader, "deck.pptx", pptx);
    expect(document).toEqual({
      source: "/docs/deck.pptx",
      format: "pptx",
      title: "Welcome",
      segments: [
        {text: "Welcome\nHello all", page: 1, section: "Welcome"},
        {text: "Agenda\nBudget\nHiring\nNotes: Keep it short.", page: 2, section: "Agenda"}
      ]
    });
  });

  it("falls back to slide numbering without a slide list", async () => {
    const bare = replacePart(pptx, "ppt/presentation.xml", `<p:presentation xmlns:p="urn:p"/>`);
    const document = await load(pptxLoader, "bare.pptx", bare);
    expect(document.segments.map((segment) => [segment.page, segment.section])).toEqual([
      [1, "Agenda"],
      [2, "Welcome"]
    ]);
  });
});

describe("xlsxLoader", () => {
  const xlsx = makeXlsx([
    {
      name: "Prices",
      rows: [
        ["Item", "Price", "In stock"],
        ["Apple", 1.25, true],
        ["Pear", 0.5, false],
        [null, null, "note"]
      ]
    },
    {name: "Empty", rows: []},
    {name: "Staff", rows: [["Name"], ["Ana"]]}
  ]);

  it("reads each sheet in workbook order as rows of cells", async () => {
    const document = await load(xlsxLoader, "book.xlsx", xlsx);
    expect(document).toEqual({
      source: "/docs/book.xlsx",
      format: "xlsx",
      segments: [
        {text: "Item | Price | In stock\nApple | 1.25 | TRUE\nPear | 0.5 | FALSE\n |  | note", section: "Prices", page: 1},
        {text: "Name\nAna", section: "Staff", page: 3}
      ]
    });
  });

  it("reads inline strings and keeps huge sparse rows and empty cells cheap", async () => {
    // A million formatted empty cells, as a sheet formatted "to the end" holds.
    const letters = (index: number) => String.fromCharCode(65 + Math.floor(index / 26)) + String.fromCharCode(65 + (index % 26));
    let rows = "";
    for (let row = 1; row <= 2000; row++) {
      rows += `<row r="${row}">`;
      for (let column = 0; column < 500; column++) rows += `<c r="${letters(column)}${row}" s="${column % 7}"/>`;
      rows += "</row>";
    }
    rows += `<row r="2001"><c r="A2001" t="inlineStr"><is><t>near</t></is></c><c r="XFD2001" t="inlineStr"><is><r><t>far</t></r></is></c></row>`;
    const sparse = replacePart(
      xlsx,
      "xl/worksheets/sheet3.xml",
      `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`
    );
    const started = performance.now();
    const document = await load(xlsxLoader, "sparse.xlsx", sparse);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(document.segments[1]).toEqual({text: `near${" | ".repeat(33)}far`, section: "Staff", page: 3});
  });

  it("says when every sheet is empty", async () => {
    const empty = makeXlsx([{name: "A", rows: []}]);
    expect((await failure(xlsxLoader, "empty.xlsx", empty)).reason).toBe("no text found: every sheet is empty");
  });
});

describe("opendocumentLoader", () => {
  it("reads ODT headings, paragraphs, lists and tables", async () => {
    const odt = makeOdt(
      `<text:h text:outline-level="1">Overview</text:h>` +
        `<text:p>First <text:span>styled</text:span> words<text:s text:c="2"/>spaced<text:note><text:note-body><text:p>a footnote</text:p></text:note-body></text:note>.</text:p>` +
        `<text:list><text:list-item><text:p>one</text:p></text:list-item><text:list-item><text:p>two</text:p></text:list-item></text:list>` +
        `<text:h text:outline-level="2">Numbers</text:h>` +
        `<table:table table:name="T"><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:table-cell><text:p>b</text:p></table:table-cell></table:table-row>` +
        `<table:table-row><table:table-cell><text:p>1</text:p></table:table-cell><table:table-cell><text:p>2</text:p></table:table-cell></table:table-row></table:table>`,
      {title: "Notes"}
    );
    const document = await load(opendocumentLoader, "notes.odt", odt);
    expect(document).toEqual({
      source: "/docs/notes.odt",
      format: "odt",
      title: "Notes",
      segments: [
        {text: "# Overview\n\nFirst styled words  spaced.\n\n- one\n\n- two", section: "Overview"},
        {text: "## Numbers\n\na | b\n1 | 2", section: "Numbers"}
      ]
    });
  });

  it("reads ODS tables as rows, bounding repeated cells and rows", async () => {
    const cell = (text: string, repeat?: number) =>
      `<table:table-cell${repeat == null ? "" : ` table:number-columns-repeated="${repeat}"`}><text:p>${text}</text:p></table:table-cell>`;
    const empty = (repeat: number) => `<table:table-cell table:number-columns-repeated="${repeat}"/>`;
    const ods = makeOds(
      `<table:table table:name="Budget">` +
        `<table:table-row>${cell("Item")}${cell("Cost")}${empty(16382)}</table:table-row>` +
        `<table:table-row>${cell("Rent")}${empty(1)}${cell("x", 2)}${empty(16380)}</table:table-row>` +
        `<table:table-row table:number-rows-repeated="1048574">${empty(16384)}</table:table-row>` +
        `</table:table><table:table table:name="Blank"><table:table-row>${empty(1024)}</table:table-row></table:table>` +
        `<table:table table:name="Second"><table:table-row table:number-rows-repeated="2">${cell("same")}</table:table-row></table:table>`
    );
    const document = await load(opendocumentLoader, "budget.ods", ods);
    expect(document).toEqual({
      source: "/docs/budget.ods",
      format: "ods",
      segments: [
        {text: "Item | Cost\nRent |  | x | x", section: "Budget", page: 1},
        {text: "same\nsame", section: "Second", page: 3}
      ]
    });
  });
});

describe("epubLoader", () => {
  it("reads chapters in spine order, one segment each, with the book title", async () => {
    const epub = makeEpub({
      title: "A Small Book",
      chapters: [
        {id: "ch1", title: "Beginnings", paragraphs: ["It was a quiet morning in the valley."]},
        {id: "ch2", title: "Endings", paragraphs: ["The river reached the sea at last."]}
      ],
      spine: ["ch2", "ch1"]
    });
    const document = await load(epubLoader, "book.epub", epub);
    expect(document.title).toBe("A Small Book");
    expect(document.format).toBe("epub");
    expect(document.segments.map((segment) => [segment.page, segment.section])).toEqual([
      [1, "Endings"],
      [2, "Beginnings"]
    ]);
    expect(document.segments[0].text).toContain("The river reached the sea at last.");
    expect(document.segments[1].text).toContain("It was a quiet morning in the valley.");
    expect(document.segments[0].text).not.toContain("quiet morning");
  });

  it("refuses a DRM-encrypted book and a book without a package", async () => {
    const epub = makeEpub({title: "T", chapters: [{id: "c", title: "C", paragraphs: ["text"]}], spine: ["c"]});
    const drm = replacePart(
      epub,
      "META-INF/encryption.xml",
      `<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">` +
        `<enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>` +
        `<enc:CipherData><enc:CipherReference URI="OEBPS/text/c.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>`
    );
    expect((await failure(epubLoader, "drm.epub", drm)).reason).toBe("encrypted EPUB (DRM protected): not supported");
    const files = unzipSync(epub);
    delete files["OEBPS/content.opf"];
    expect((await failure(epubLoader, "nopkg.epub", zipSync(files))).reason).toBe(
      "corrupt EPUB: no package document (.opf) found"
    );
  });
});
