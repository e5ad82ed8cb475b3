import {DocumentLoadError} from "../docs-errors.js";
import type {Loader, TextSegment} from "../document-types.js";
import {openOfficeZip, type OfficeZip} from "./open-office-zip.js";

/** Placeholders whose text is page furniture (slide number, date, footer), not content. */
const FURNITURE = new Set(["sldNum", "dt", "ftr", "hdr", "sldImg"]);
const TITLES = new Set(["title", "ctrTitle"]);
const SLIDE_PART = /^ppt\/slides\/slide(\d+)\.xml$/;

interface SlideText {
  readonly title?: string;
  /** Paragraphs of content shapes, in document order; table rows as "a | b". */
  readonly lines: string[];
  /** Paragraphs of body placeholders only (what a notes page holds). */
  readonly body: string[];
}

/**
 * PowerPoint presentations (.pptx): slides in presentation order (ppt/presentation.xml's slide list, else
 * slideN numbering), one segment per slide with `page` = slide number and `section` = the slide title; each
 * paragraph is a line, table rows are "a | b", and speaker notes follow as "Notes: ...".
 */
export const pptxLoader: Loader = {
  formats: ["pptx"],
  async *load(input, context, depth) {
    const zip = openOfficeZip({input, context, depth, label: "PPTX"});
    const segments: TextSegment[] = [];
    let firstTitle: string | undefined;
    slideParts(zip).forEach((part, index) => {
      context.signal?.throwIfAborted();
      const slide = readSlide(zip, part);
      const notesPart = zip.relationships(part).find((rel) => rel.type.endsWith("/notesSlide"))?.target;
      const notes = notesPart == null ? [] : readSlide(zip, notesPart).body;
      const text = [...slide.lines, ...(notes.length > 0 ? [`Notes: ${notes.join("\n")}`] : [])].join("\n");
      if (text.trim() === "") return;
      firstTitle ??= slide.title;
      segments.push({text, page: index + 1, ...(slide.title == null ? {} : {section: slide.title})});
    });
    if (segments.length === 0) throw new DocumentLoadError(input.source, "no text found: the slides have no text");
    const title = zip.title("docProps/core.xml") ?? firstTitle;
    yield {source: input.source, format: "pptx", ...(title == null ? {} : {title}), segments};
  }
};

function slideParts(zip: OfficeZip): string[] {
  const main = zip.relationships("").find((rel) => rel.type.endsWith("/officeDocument"))?.target ?? "ppt/presentation.xml";
  const targets = new Map(zip.relationships(main).map((rel) => [rel.id, rel.target]));
  const ordered: string[] = [];
  zip.walk(main, {
    open(name, attributes) {
      if (name !== "sldId") return;
      const target = targets.get(attributes["r:id"] ?? "");
      if (target != null && zip.has(target)) ordered.push(target);
    }
  });
  if (ordered.length > 0) return ordered;
  return zip.parts
    .filter((part) => SLIDE_PART.test(part))
    .sort((a, b) => Number(SLIDE_PART.exec(a)![1]) - Number(SLIDE_PART.exec(b)![1]));
}

function readSlide(zip: OfficeZip, part: string): SlideText {
  const lines: string[] = [];
  const body: string[] = [];
  let title: string | undefined;
  let placeholder: string | undefined;
  let shapeLines: string[] = [];
  let paragraph: string | undefined;
  let inText = false;
  let row: string[] | undefined;
  let cell: string[] | undefined;

  zip.walk(part, {
    open(name, attributes) {
      switch (name) {
        case "sp":
          placeholder = undefined;
          shapeLines = [];
          break;
        case "ph":
          placeholder = attributes.type ?? "body";
          break;
        case "tr":
          row = [];
          break;
        case "tc":
          cell = [];
          break;
        case "p":
          paragraph = "";
          break;
        case "t":
          inText = paragraph != null;
          break;
        case "br":
          if (paragraph != null) paragraph += "\n";
          break;
        case "tab":
          if (paragraph != null) paragraph += "\t";
          break;
      }
    },
    close(name) {
      switch (name) {
        case "t":
          inText = false;
          break;
        case "p": {
          const text = paragraph?.trim() ?? "";
          paragraph = undefined;
          if (text === "") break;
          if (cell != null) cell.push(text);
          else shapeLines.push(text);
          break;
        }
        case "tc":
          if (cell != null) row?.push(cell.join(" "));
          cell = undefined;
          break;
        case "tr":
          if (row != null && row.some((text) => text !== "")) lines.push(row.join(" | "));
          row = undefined;
          break;
        case "sp":
          if (placeholder != null && FURNITURE.has(placeholder)) break;
          if (placeholder != null && TITLES.has(placeholder) && title == null && shapeLines.length > 0) {
            title = shapeLines.join(" ");
          }
          if (placeholder === "body") body.push(...shapeLines);
          lines.push(...shapeLines);
          shapeLines = [];
          break;
      }
    },
    text(data) {
      if (inText) paragraph += data;
    }
  });
  return {lines, body, ...(title == null ? {} : {title})};
}
