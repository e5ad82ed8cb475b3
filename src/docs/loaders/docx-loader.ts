import {DocumentLoadError} from "../docs-errors.js";
import type {Loader, TextSegment} from "../document-types.js";
import {openOfficeZip, type OfficeZip} from "./open-office-zip.js";
import {SectionWriter} from "./section-writer.js";

type Frame =
  | {kind: "p"; text: string; style?: string; outline?: number; list: boolean}
  | {kind: "tbl"; rows: string[]; row?: string[]}
  | {kind: "tc"; parts: string[]};

const HEADING_STYLE_NAME = /^heading\s*(\d)$/i;
const HEADING_STYLE_ID = /^heading(\d)$/i;

/**
 * Word documents (.docx), read from word/document.xml with a streaming XML parser: paragraphs, headings (by
 * style or outline level, including localised heading styles) as `#` lines that also start a new section,
 * list items as "- " lines, tables as "a | b" rows; deleted revisions, field codes and fallback copies of
 * drawings are left out. The title is the document property, else the first Title-styled paragraph.
 */
export const docxLoader: Loader = {
  formats: ["docx"],
  async *load(input, context, depth) {
    const zip = openOfficeZip({input, context, depth, label: "DOCX"});
    const main = zip.relationships("").find((rel) => rel.type.endsWith("/officeDocument"))?.target ?? "word/document.xml";
    if (!zip.has(main)) throw new DocumentLoadError(input.source, `corrupt DOCX: ${main} is missing`);
    const stylesPart = zip.relationships(main).find((rel) => rel.type.endsWith("/styles"))?.target;
    const headingLevels = stylesPart == null ? new Map<string, number>() : readHeadingStyles(zip, stylesPart);
    // Footnotes and endnotes follow the body, as they do on paper.
    const notes = zip
      .relationships(main)
      .filter((rel) => rel.type.endsWith("/footnotes") || rel.type.endsWith("/endnotes"))
      .map((rel) => rel.target);
    const body = readBody(zip, [main, ...notes], headingLevels);
    if (body.segments.length === 0) {
      throw new DocumentLoadError(input.source, "no text found: the document has no text (only images or empty)");
    }
    const title = zip.title("docProps/core.xml") ?? body.title;
    yield {source: input.source, format: "docx", ...(title == null ? {} : {title}), segments: body.segments};
  }
};

/** Paragraph style id -> heading level, from the style's name ("heading 2", any language's id) or outline level. */
function readHeadingStyles(zip: OfficeZip, part: string): Map<string, number> {
  const levels = new Map<string, number>();
  let styleId: string | undefined;
  zip.walk(part, {
    open(name, attributes) {
      if (name === "style") {
        styleId = attributes["w:type"] === "paragraph" ? attributes["w:styleId"] : undefined;
      } else if (styleId != null && name === "name") {
        const value = attributes["w:val"] ?? "";
        const heading = HEADING_STYLE_NAME.exec(value);
        if (heading != null) levels.set(styleId, Number(heading[1]));
        else if (value.toLowerCase() === "title") levels.set(styleId, 1);
      } else if (styleId != null && name === "outlineLvl" && !levels.has(styleId)) {
        const level = Number(attributes["w:val"]);
        if (level >= 0 && level < 9) levels.set(styleId, level + 1);
      }
    }
  });
  return levels;
}

function readBody(
  zip: OfficeZip,
  parts: readonly string[],
  headingLevels: ReadonlyMap<string, number>
): {segments: TextSegment[]; title?: string} {
  const writer = new SectionWriter();
  const stack: Frame[] = [];
  let runDepth = 0;
  let inText = false;
  let title: string | undefined;

  const paragraph = (): Extract<Frame, {kind: "p"}> | undefined => {
    for (let index = stack.length - 1; index >= 0; index--) {
      const frame = stack[index];
      if (frame.kind === "p") return frame;
    }
    return undefined;
  };
  const top = (): Frame | undefined => stack[stack.length - 1];
  const emit = (block: string): void => {
    const container = top();
    if (container?.kind === "tc") container.parts.push(block);
    else writer.block(block);
  };
  const append = (text: string): void => {
    const current = paragraph();
    if (current != null) current.text += text;
  };

  const handlers: Parameters<OfficeZip["walk"]>[1] = {
    open(name, attributes) {
      switch (name) {
        case "Fallback":
          return true;
        case "p":
          stack.push({kind: "p", text: "", list: false});
          break;
        case "pStyle": {
          const current = paragraph();
          if (current != null) current.style = attributes["w:val"];
          break;
        }
        case "outlineLvl": {
          const current = paragraph();
          const level = Number(attributes["w:val"]);
          if (current != null && level >= 0 && level < 9) current.outline = level;
          break;
        }
        case "numPr": {
          const current = paragraph();
          if (current != null) current.list = true;
          break;
        }
        case "r":
          runDepth++;
          break;
        case "t":
          inText = runDepth > 0;
          break;
        case "tab":
          if (runDepth > 0) append("\t");
          break;
        case "br":
        case "cr":
          if (runDepth > 0) append("\n");
          break;
        case "noBreakHyphen":
          if (runDepth > 0) append("-");
          break;
        case "tbl":
          stack.push({kind: "tbl", rows: []});
          break;
        case "tr": {
          const table = top();
          if (table?.kind === "tbl") table.row = [];
          break;
        }
        case "tc":
          stack.push({kind: "tc", parts: []});
          break;
      }
    },
    close(name) {
      switch (name) {
        case "r":
          runDepth = Math.max(0, runDepth - 1);
          break;
        case "t":
          inText = false;
          break;
        case "p": {
          const frame = stack.pop();
          if (frame?.kind !== "p") break;
          const text = frame.text.trim();
          if (text === "") break;
          const level =
            frame.outline != null
              ? frame.outline + 1
              : frame.style == null
                ? undefined
                : (headingLevels.get(frame.style) ?? headingFromId(frame.style));
          if (level != null && top()?.kind !== "tc") {
            if (title == null && frame.style?.toLowerCase() === "title") title = text;
            writer.heading(text, level);
          } else {
            emit(frame.list ? `- ${text}` : text);
          }
          break;
        }
        case "tc": {
          const frame = stack.pop();
          const table = top();
          if (frame?.kind === "tc" && table?.kind === "tbl") table.row?.push(frame.parts.join(" ").replace(/\s*\n\s*/g, " "));
          break;
        }
        case "tr": {
          const table = top();
          if (table?.kind === "tbl" && table.row != null) {
            const row = rowText(table.row);
            if (row !== "") table.rows.push(row);
          }
          if (table?.kind === "tbl") table.row = undefined;
          break;
        }
        case "tbl": {
          const frame = stack.pop();
          if (frame?.kind === "tbl" && frame.rows.length > 0) emit(frame.rows.join("\n"));
          break;
        }
      }
    },
    text(data) {
      if (inText) append(data);
    }
  };
  for (const part of parts) zip.walk(part, handlers);
  return {segments: writer.finish(), ...(title == null ? {} : {title})};
}

/** Cells joined by " | ", trailing empty cells dropped; "" for an empty row. */
function rowText(cells: readonly string[]): string {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === "") end--;
  return cells.slice(0, end).join(" | ");
}

function headingFromId(styleId: string): number | undefined {
  if (styleId.toLowerCase() === "title") return 1;
  const match = HEADING_STYLE_ID.exec(styleId);
  return match == null ? undefined : Number(match[1]);
}
