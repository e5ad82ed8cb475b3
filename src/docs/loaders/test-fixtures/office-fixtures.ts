import {strToU8, zipSync, type Zippable} from "fflate";

/** Minimal but well-formed Office Open XML, OpenDocument and EPUB packages for loader tests. */

const XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n`;
const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

function zip(files: Record<string, string | Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const [name, content] of Object.entries(files)) {
    zippable[name] = typeof content === "string" ? strToU8(content) : content;
  }
  return zipSync(zippable);
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function rels(relationships: Array<{id: string; type: string; target: string}>): string {
  const items = relationships.map((rel) => `<Relationship Id="${rel.id}" Type="${REL}/${rel.type}" Target="${rel.target}"/>`);
  return `${XML}<Relationships xmlns="${PKG_RELS}">${items.join("")}</Relationships>`;
}

function coreProps(title: string | undefined): string {
  return (
    `${XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
    `xmlns:dc="http://purl.org/dc/elements/1.1/">${title == null ? "" : `<dc:title>${escape(title)}</dc:title>`}</cp:coreProperties>`
  );
}

/** A Word paragraph; `style` is a paragraph style id such as "Heading1". */
export function docxParagraph(text: string, style?: string): string {
  const properties = style == null ? "" : `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>`;
  return `<w:p>${properties}<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">${escape(text)}</w:t></w:r></w:p>`;
}

/** A Word table of plain-text cells. */
export function docxTable(rows: string[][]): string {
  const body = rows.map((row) => `<w:tr>${row.map((cell) => `<w:tc>${docxParagraph(cell)}</w:tc>`).join("")}</w:tr>`);
  return `<w:tbl><w:tblPr/>${body.join("")}</w:tbl>`;
}

/** A DOCX whose body is `bodyXml` (w:p / w:tbl elements), with heading styles named "heading N". */
export function makeDocx(bodyXml: string, options: {title?: string} = {}): Uint8Array {
  const styles = [1, 2, 3]
    .map((level) => `<w:style w:type="paragraph" w:styleId="Heading${level}"><w:name w:val="heading ${level}"/></w:style>`)
    .join("");
  return zip({
    "[Content_Types].xml": `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
    "_rels/.rels": rels([
      {id: "rId1", type: "officeDocument", target: "word/document.xml"},
      {id: "rId2", type: "metadata/core-properties", target: "docProps/core.xml"}
    ]),
    "word/document.xml": `${XML}<w:document xmlns:w="${W}" xmlns:r="${R}"><w:body>${bodyXml}<w:sectPr/></w:body></w:document>`,
    "word/_rels/document.xml.rels": rels([{id: "rId1", type: "styles", target: "styles.xml"}]),
    "word/styles.xml": `${XML}<w:styles xmlns:w="${W}">${styles}</w:styles>`,
    "docProps/core.xml": coreProps(options.title)
  });
}

export interface SlideFixture {
  readonly title?: string;
  readonly paragraphs: readonly string[];
  readonly notes?: string;
}

const A = "http://schemas.openxmlformats.org/drawingml/2006/main";
const P = "http://schemas.openxmlformats.org/presentationml/2006/main";

function shape(placeholder: string | undefined, paragraphs: readonly string[]): string {
  const ph = placeholder == null ? "" : `<p:ph type="${placeholder}"/>`;
  const body = paragraphs.map((text) => `<a:p><a:r><a:rPr lang="en-US"/><a:t>${escape(text)}</a:t></a:r></a:p>`);
  return `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${ph}</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>${body.join("")}</p:txBody></p:sp>`;
}

/**
 * A PPTX whose slides are stored as slide1.xml, slide2.xml, ... in `slides` order, but presented in `order`
 * (indexes into `slides`), so a loader that sorts by file name gets it wrong.
 */
export function makePptx(slides: readonly SlideFixture[], order: readonly number[] = slides.map((_, index) => index)): Uint8Array {
  const files: Record<string, string> = {
    "[Content_Types].xml": `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
    "_rels/.rels": rels([{id: "rId1", type: "officeDocument", target: "ppt/presentation.xml"}]),
    "ppt/presentation.xml":
      `${XML}<p:presentation xmlns:a="${A}" xmlns:r="${R}" xmlns:p="${P}"><p:sldIdLst>` +
      order.map((index, position) => `<p:sldId id="${256 + position}" r:id="rId${index + 10}"/>`).join("") +
      `</p:sldIdLst></p:presentation>`,
    "ppt/_rels/presentation.xml.rels": rels(
      slides.map((_, index) => ({id: `rId${index + 10}`, type: "slide", target: `slides/slide${index + 1}.xml`}))
    )
  };
  slides.forEach((slide, index) => {
    const shapes = (slide.title == null ? "" : shape("title", [slide.title])) + shape(undefined, slide.paragraphs);
    files[`ppt/slides/slide${index + 1}.xml`] =
      `${XML}<p:sld xmlns:a="${A}" xmlns:r="${R}" xmlns:p="${P}"><p:cSld><p:spTree>${shapes}</p:spTree></p:cSld></p:sld>`;
    if (slide.notes != null) {
      files[`ppt/slides/_rels/slide${index + 1}.xml.rels`] = rels([
        {id: "rId1", type: "notesSlide", target: `../notesSlides/notesSlide${index + 1}.xml`}
      ]);
      files[`ppt/notesSlides/notesSlide${index + 1}.xml`] =
        `${XML}<p:notes xmlns:a="${A}" xmlns:r="${R}" xmlns:p="${P}"><p:cSld><p:spTree>` +
        shape("sldImg", []) +
        shape("body", [slide.notes]) +
        shape("sldNum", [String(index + 1)]) +
        `</p:spTree></p:cSld></p:notes>`;
    }
  });
  return zip(files);
}

export type CellFixture = string | number | boolean | null;

export interface SheetFixture {
  readonly name: string;
  readonly rows: readonly (readonly CellFixture[])[];
}

const S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

function columnName(index: number): string {
  let name = "";
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    name = String.fromCharCode(65 + ((rest - 1) % 26)) + name;
  }
  return name;
}

/** An XLSX: strings go to sharedStrings.xml, numbers and booleans stay in the cells; null leaves a gap. */
export function makeXlsx(sheets: readonly SheetFixture[]): Uint8Array {
  const shared: string[] = [];
  const files: Record<string, string> = {
    "[Content_Types].xml": `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
    "_rels/.rels": rels([{id: "rId1", type: "officeDocument", target: "xl/workbook.xml"}]),
    "xl/workbook.xml":
      `${XML}<workbook xmlns="${S}" xmlns:r="${R}"><sheets>` +
      sheets.map((sheet, index) => `<sheet name="${escape(sheet.name)}" sheetId="${index + 1}" r:id="rId${index + 1}"/>`).join("") +
      `</sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": rels([
      ...sheets.map((_, index) => ({id: `rId${index + 1}`, type: "worksheet", target: `worksheets/sheet${index + 1}.xml`})),
      {id: "rIdS", type: "sharedStrings", target: "sharedStrings.xml"}
    ])
  };
  sheets.forEach((sheet, sheetIndex) => {
    const rows = sheet.rows.map((row, rowIndex) => {
      const cells = row.map((value, columnIndex) => {
        const ref = `${columnName(columnIndex)}${rowIndex + 1}`;
        if (value == null) return "";
        if (typeof value === "number") return `<c r="${ref}"><v>${value}</v></c>`;
        if (typeof value === "boolean") return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`;
        shared.push(value);
        return `<c r="${ref}" t="s"><v>${shared.length - 1}</v></c>`;
      });
      return `<row r="${rowIndex + 1}">${cells.join("")}</row>`;
    });
    files[`xl/worksheets/sheet${sheetIndex + 1}.xml`] =
      `${XML}<worksheet xmlns="${S}"><sheetData>${rows.join("")}</sheetData></worksheet>`;
  });
  files["xl/sharedStrings.xml"] =
    `${XML}<sst xmlns="${S}" count="${shared.length}" uniqueCount="${shared.length}">` +
    shared.map((text) => `<si><t>${escape(text)}</t></si>`).join("") +
    `</sst>`;
  return zip(files);
}

const ODF_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ' +
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
  'xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
  'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"';

function opendocument(mimetype: string, body: string, title: string | undefined): Uint8Array {
  return zip({
    mimetype,
    "META-INF/manifest.xml": `${XML}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`,
    "content.xml": `${XML}<office:document-content ${ODF_NS}><office:body>${body}</office:body></office:document-content>`,
    "meta.xml": `${XML}<office:document-meta ${ODF_NS}><office:meta>${title == null ? "" : `<dc:title>${escape(title)}</dc:title>`}</office:meta></office:document-meta>`
  });
}

/** An ODT whose office:text holds `textXml` (text:h, text:p, text:list, table:table elements). */
export function makeOdt(textXml: string, options: {title?: string} = {}): Uint8Array {
  return opendocument("application/vnd.oasis.opendocument.text", `<office:text>${textXml}</office:text>`, options.title);
}

/** An ODS whose office:spreadsheet holds `tablesXml` (table:table elements). */
export function makeOds(tablesXml: string, options: {title?: string} = {}): Uint8Array {
  return opendocument(
    "application/vnd.oasis.opendocument.spreadsheet",
    `<office:spreadsheet>${tablesXml}</office:spreadsheet>`,
    options.title
  );
}

export interface ChapterFixture {
  readonly id: string;
  readonly title: string;
  readonly paragraphs: readonly string[];
}

/** An EPUB 3 with chapters stored as OEBPS/text/<id>.xhtml, read in `spine` order (chapter ids). */
export function makeEpub(options: {title: string; chapters: readonly ChapterFixture[]; spine: readonly string[]}): Uint8Array {
  const files: Record<string, string> = {
    mimetype: "application/epub+zip",
    "META-INF/container.xml":
      `${XML}<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>` +
      `<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`,
    "OEBPS/content.opf":
      `${XML}<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">` +
      `<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:test</dc:identifier>` +
      `<dc:title>${escape(options.title)}</dc:title></metadata><manifest>` +
      options.chapters
        .map((chapter) => `<item id="${chapter.id}" href="text/${chapter.id}.xhtml" media-type="application/xhtml+xml"/>`)
        .join("") +
      `<item id="cover" href="images/cover.png" media-type="image/png"/></manifest><spine>` +
      options.spine.map((id) => `<itemref idref="${id}"/>`).join("") +
      `</spine></package>`
  };
  for (const chapter of options.chapters) {
    files[`OEBPS/text/${chapter.id}.xhtml`] =
      `${XML}<html xmlns="http://www.w3.org/1999/xhtml"><head><title>${escape(chapter.title)}</title></head><body>` +
      `<h1>${escape(chapter.title)}</h1>${chapter.paragraphs.map((text) => `<p>${escape(text)}</p>`).join("")}</body></html>`;
  }
  return zip(files);
}
