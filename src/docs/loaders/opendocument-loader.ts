import {DocumentLoadError} from "../docs-errors.js";
import type {LoadedDocument, Loader, TextSegment} from "../document-types.js";
import {openOfficeZip, type OfficeZip} from "./open-office-zip.js";
import {SectionWriter} from "./section-writer.js";
import {rowText} from "./row-text.js";

/**
 * Repeats honoured for a cell or row that has content. Empty ones are never written out: a sheet's usual
 * "16,384 empty columns" / "a million empty rows" tails cost nothing.
 */
const MAX_REPEATS = 100;

/** Elements whose text is not the document's own (annotations, footnote bodies, deleted revisions). */
const SKIPPED = new Set(["annotation", "note", "tracked-changes", "sequence-decls", "forms"]);

type Frame =
  | {kind: "p"; text: string; level?: number}
  | {kind: "table"; rows: string[]; row?: string[]}
  | {kind: "cell"; parts: string[]}
  | {kind: "item"};

/**
 * OpenDocument text (.odt) and spreadsheets (.ods), from content.xml. ODT: headings (`text:h`, as `#` lines that
 * start a section), paragraphs, list items ("- "), tables ("a | b" rows). ODS: one segment per table
 * (`section` = table name, `page` = 1-based table position), rows as "a | b", with repeated cells and rows
 * expanded only where they hold text. The title is meta.xml's dc:title.
 */
export const opendocumentLoader: Loader = {
  formats: ["odt", "ods"],
  async *load(input, context, depth) {
    const zip = openOfficeZip({input, context, depth, label: "OpenDocument file"});
    if (!zip.has("content.xml")) throw new DocumentLoadError(input.source, "corrupt OpenDocument file: content.xml is missing");
    const mimetype = new TextDecoder().decode(zip.read("mimetype") ?? new Uint8Array()).trim();
    const spreadsheet = mimetype.includes("spreadsheet") || (mimetype === "" && /\.ods$/i.test(input.name));
    const format: LoadedDocument["format"] = spreadsheet ? "ods" : "odt";
    const segments = spreadsheet ? readSpreadsheet(zip) : readText(zip);
    if (segments.length === 0) {
      throw new DocumentLoadError(input.source, `no text found: the ${spreadsheet ? "spreadsheet" : "document"} is empty`);
    }
    const title = zip.title("meta.xml");
    yield {source: input.source, format, ...(title == null ? {} : {title}), segments};
  }
};

function readText(zip: OfficeZip): TextSegment[] {
  const writer = new SectionWriter();
  const stack: Frame[] = [];
  let inBody = false;
  const top = (): Frame | undefined => stack[stack.length - 1];
  const paragraph = (): Extract<Frame, {kind: "p"}> | undefined => {
    for (let index = stack.length - 1; index >= 0; index--) {
      const frame = stack[index];
      if (frame.kind === "p") return frame;
    }
    return undefined;
  };
  const inListItem = (): boolean => stack.some((frame) => frame.kind === "item");
  const emit = (block: string): void => {
    const container = top();
    if (container?.kind === "cell") container.parts.push(block);
    else writer.block(block);
  };
  const append = (text: string): void => {
    const current = paragraph();
    if (current != null) current.text += text;
  };

  zip.walk("content.xml", {
    open(name, attributes) {
      if (name === "body") inBody = true;
      if (!inBody) return;
      if (SKIPPED.has(name)) return true;
      switch (name) {
        case "p":
          stack.push({kind: "p", text: ""});
          break;
        case "h":
          stack.push({kind: "p", text: "", level: Number(attributes["text:outline-level"] ?? "1") || 1});
          break;
        case "list-item":
          stack.push({kind: "item"});
          break;
        case "s":
          append(" ".repeat(Math.min(Number(attributes["text:c"] ?? "1") || 1, 100)));
          break;
        case "tab":
          append("\t");
          break;
        case "line-break":
          append("\n");
          break;
        case "table":
          stack.push({kind: "table", rows: []});
          break;
        case "table-row": {
          const table = top();
          if (table?.kind === "table") table.row = [];
          break;
        }
        case "table-cell":
          stack.push({kind: "cell", parts: []});
          break;
      }
    },
    close(name) {
      if (name === "body") inBody = false;
      switch (name) {
        case "p":
        case "h": {
          const frame = stack.pop();
          if (frame?.kind !== "p") break;
          const text = frame.text.trim();
          if (text === "") break;
          if (frame.level != null && top()?.kind !== "cell") writer.heading(text, frame.level);
          else emit(inListItem() && top()?.kind !== "cell" ? `- ${text}` : text);
          break;
        }
        case "list-item":
          stack.pop();
          break;
        case "table-cell": {
          const frame = stack.pop();
          const table = top();
          if (frame?.kind === "cell" && table?.kind === "table") table.row?.push(frame.parts.join(" ").replace(/\s*\n\s*/g, " "));
          break;
        }
        case "table-row": {
          const table = top();
          if (table?.kind !== "table") break;
          const row = table.row == null ? "" : rowText(table.row.map((value, column) => ({column, value})).filter((cell) => cell.value !== ""));
          if (row !== "") table.rows.push(row);
          table.row = undefined;
          break;
        }
        case "table": {
          const frame = stack.pop();
          if (frame?.kind === "table" && frame.rows.length > 0) emit(frame.rows.join("\n"));
          break;
        }
      }
    },
    text(data) {
      if (inBody) append(data);
    }
  });
  return writer.finish();
}

function readSpreadsheet(zip: OfficeZip): TextSegment[] {
  const segments: TextSegment[] = [];
  let tableIndex = 0;
  let tableName = "";
  let lines: string[] = [];
  let cells: Array<{column: number; value: string}> = [];
  let column = 0;
  let rowRepeat = 1;
  let cellRepeat = 1;
  let cellText: string[] | undefined;
  let paragraph: string | undefined;
  let depth = 0;

  zip.walk("content.xml", {
    open(name, attributes) {
      if (SKIPPED.has(name)) return true;
      switch (name) {
        case "table":
          // Tables nested in a cell (rare) are read as that cell's text.
          if (depth++ > 0) break;
          tableIndex++;
          tableName = attributes["table:name"] ?? `Sheet${tableIndex}`;
          lines = [];
          break;
        case "table-row":
          if (depth !== 1) break;
          cells = [];
          column = 0;
          rowRepeat = Number(attributes["table:number-rows-repeated"] ?? "1") || 1;
          break;
        case "table-cell":
        case "covered-table-cell":
          if (depth !== 1) break;
          cellRepeat = Number(attributes["table:number-columns-repeated"] ?? "1") || 1;
          cellText = [];
          break;
        case "p":
        case "h":
          paragraph = "";
          break;
        case "s":
          if (paragraph != null) paragraph += " ".repeat(Math.min(Number(attributes["text:c"] ?? "1") || 1, 100));
          break;
        case "tab":
          if (paragraph != null) paragraph += "\t";
          break;
      }
    },
    close(name) {
      switch (name) {
        case "p":
        case "h":
          if (paragraph != null && paragraph.trim() !== "") cellText?.push(paragraph.trim());
          paragraph = undefined;
          break;
        case "table-cell":
        case "covered-table-cell": {
          if (depth !== 1 || cellText == null) break;
          const value = cellText.join(" ");
          cellText = undefined;
          if (value !== "") {
            for (let index = 0; index < Math.min(cellRepeat, MAX_REPEATS); index++) cells.push({column: column + index, value});
          }
          column += cellRepeat;
          break;
        }
        case "table-row":
          if (depth !== 1 || cells.length === 0) break;
          for (let index = 0; index < Math.min(rowRepeat, MAX_REPEATS); index++) lines.push(rowText(cells));
          break;
        case "table":
          if (--depth > 0) break;
          if (lines.length > 0) segments.push({text: lines.join("\n"), section: tableName, page: tableIndex});
          break;
      }
    },
    text(data) {
      if (paragraph != null) paragraph += data;
    }
  });
  return segments;
}
