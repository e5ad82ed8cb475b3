import {DocumentLoadError} from "../docs-errors.js";
import type {Loader, TextSegment} from "../document-types.js";
import {openOfficeZip, type OfficeZip} from "./open-office-zip.js";
import {rowText} from "./row-text.js";

/**
 * Excel workbooks (.xlsx): every worksheet in workbook order becomes one segment (`section` = sheet name,
 * `page` = 1-based sheet position), each non-empty row a line of "a | b | c". Cell values are shown as stored:
 * shared and inline strings, numbers as written (dates stay serial numbers), TRUE/FALSE, formula results,
 * error codes. Empty cells cost nothing, so a sheet with millions of formatted empty cells stays cheap.
 */
export const xlsxLoader: Loader = {
  formats: ["xlsx"],
  async *load(input, context, depth) {
    const zip = openOfficeZip({input, context, depth, label: "XLSX"});
    const main = zip.relationships("").find((rel) => rel.type.endsWith("/officeDocument"))?.target ?? "xl/workbook.xml";
    if (!zip.has(main)) throw new DocumentLoadError(input.source, `corrupt XLSX: ${main} is missing`);
    const relationships = zip.relationships(main);
    const sharedPart = relationships.find((rel) => rel.type.endsWith("/sharedStrings"))?.target;
    const shared = sharedPart == null ? [] : readSharedStrings(zip, sharedPart);
    const worksheets = new Map(
      relationships.filter((rel) => rel.type.endsWith("/worksheet")).map((rel) => [rel.id, rel.target])
    );

    const segments: TextSegment[] = [];
    readSheetList(zip, main).forEach((sheet, index) => {
      context.signal?.throwIfAborted();
      const part = worksheets.get(sheet.id);
      if (part == null) return;
      const text = readSheet(zip, part, shared);
      if (text !== "") segments.push({text, section: sheet.name, page: index + 1});
    });
    if (segments.length === 0) throw new DocumentLoadError(input.source, "no text found: every sheet is empty");
    const title = zip.title("docProps/core.xml");
    yield {source: input.source, format: "xlsx", ...(title == null ? {} : {title}), segments};
  }
};

function readSheetList(zip: OfficeZip, part: string): Array<{name: string; id: string}> {
  const sheets: Array<{name: string; id: string}> = [];
  zip.walk(part, {
    open(name, attributes) {
      if (name === "sheet") sheets.push({name: attributes.name ?? `Sheet${sheets.length + 1}`, id: attributes["r:id"] ?? ""});
    }
  });
  return sheets;
}

function readSharedStrings(zip: OfficeZip, part: string): string[] {
  const strings: string[] = [];
  let current: string | undefined;
  let inText = false;
  zip.walk(part, {
    open(name) {
      if (name === "rPh") return true;
      if (name === "si") current = "";
      else if (name === "t") inText = current != null;
    },
    close(name) {
      if (name === "t") inText = false;
      else if (name === "si" && current != null) {
        strings.push(current);
        current = undefined;
      }
    },
    text(data) {
      if (inText) current += data;
    }
  });
  return strings;
}

function readSheet(zip: OfficeZip, part: string, shared: readonly string[]): string {
  const lines: string[] = [];
  let cells: Array<{column: number; value: string}> = [];
  let column = 0;
  let cellType = "";
  let cellColumn = 0;
  let value: string | undefined;
  let capture = false;

  zip.walk(part, {
    open(name, attributes) {
      switch (name) {
        case "row":
          cells = [];
          column = 0;
          break;
        case "c":
          cellType = attributes.t ?? "n";
          cellColumn = columnIndex(attributes.r) ?? column;
          column = cellColumn + 1;
          value = undefined;
          break;
        case "v":
          capture = true;
          value = "";
          break;
        case "is":
          value = "";
          break;
        case "t":
          capture = value != null;
          break;
        case "rPh":
          return true;
      }
    },
    close(name) {
      switch (name) {
        case "v":
        case "t":
          capture = false;
          break;
        case "c": {
          const shown = value == null ? "" : cellText(cellType, value, shared);
          if (shown !== "") cells.push({column: cellColumn, value: shown});
          value = undefined;
          break;
        }
        case "row":
          if (cells.length > 0) lines.push(rowText(cells));
          cells = [];
          break;
      }
    },
    text(data) {
      if (capture) value += data;
    }
  });
  return lines.join("\n");
}

function cellText(type: string, raw: string, shared: readonly string[]): string {
  switch (type) {
    case "s":
      return (shared[Number(raw)] ?? "").replace(/\s*\n\s*/g, " ").trim();
    case "b":
      return raw.trim() === "1" ? "TRUE" : raw.trim() === "0" ? "FALSE" : raw.trim();
    default:
      return raw.replace(/\s*\n\s*/g, " ").trim();
  }
}

/** "BC12" -> 54 (0-based column); undefined when the reference is missing or not A1-style. */
function columnIndex(reference: string | undefined): number | undefined {
  const letters = reference == null ? null : /^([A-Z]{1,3})\d*$/i.exec(reference);
  if (letters == null) return undefined;
  let index = 0;
  for (const letter of letters[1].toUpperCase()) index = index * 26 + (letter.charCodeAt(0) - 64);
  return index - 1;
}
