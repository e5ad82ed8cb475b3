import {posix} from "node:path";
import {H2oGptError} from "../../errors/index.js";
import {DocumentLoadError} from "../docs-errors.js";
import type {DocumentInput, LoadContext} from "../document-types.js";
import {ArchiveBudget} from "./archive-budget.js";
import {walkXml, type WalkXmlOptions} from "./walk-xml.js";
import {readZipEntries, type ZipEntry} from "./zip-reader.js";

/** A package relationship (`_rels/*.rels`), its target resolved to a part name. */
export interface OfficeRelationship {
  readonly id: string;
  readonly type: string;
  readonly target: string;
}

/** An Office Open XML / OpenDocument / EPUB package: its parts read within the archive limits. */
export interface OfficeZip {
  has(part: string): boolean;
  /** Part names, in the archive's order. */
  readonly parts: readonly string[];
  /** Streams an XML part through `walkXml`; false when the part does not exist. Malformed XML is "corrupt <label>". */
  walk(part: string, handlers: Omit<WalkXmlOptions, "bytes">): boolean;
  /** A part's bytes, or undefined when it does not exist. */
  read(part: string): Uint8Array | undefined;
  /** The relationships of `part` (from `dir/_rels/name.rels`), targets resolved against `part`'s folder. */
  relationships(part: string): OfficeRelationship[];
  /** A relationship or manifest target as a part name: relative to `folder` unless it starts with "/". */
  resolve(folder: string, target: string): string;
  /** The text of the first `<title>` element (dc:title) in a metadata part, if any. */
  title(part: string): string | undefined;
}

export interface OpenOfficeZipOptions {
  readonly input: DocumentInput;
  readonly context: LoadContext;
  readonly depth: number;
  /** The format as users know it ("DOCX", "EPUB"): errors say `corrupt <label>: ...`. */
  readonly label: string;
}

const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * Opens an Office-style zip package. A CFB (OLE) file is refused with the reason users need: it is a legacy
 * binary .doc/.xls/.ppt or a password-protected (encrypted) Office file. Parts are inflated within
 * `context.archiveLimits`, sharing the budget of an archive the file came from.
 */
export function openOfficeZip(options: OpenOfficeZipOptions): OfficeZip {
  const {input, context, depth, label} = options;
  const {source, bytes} = input;
  if (CFB_MAGIC.every((byte, index) => bytes[index] === byte)) {
    throw new DocumentLoadError(
      source,
      "encrypted or legacy binary Office file (.doc/.xls/.ppt or password protected): not supported"
    );
  }
  const entries = new Map<string, ZipEntry>();
  for (const entry of readZipEntries({bytes, source, label})) if (!entry.directory) entries.set(entry.name, entry);
  const budget = ArchiveBudget.for({input, context, depth});
  const corrupt = (part: string, detail: string, cause?: unknown): DocumentLoadError =>
    new DocumentLoadError(source, `corrupt ${label}: ${part}: ${detail}`, {cause});

  const read = (part: string): Uint8Array | undefined => {
    const entry = entries.get(part);
    if (entry == null) return undefined;
    try {
      return budget.readZipEntry(entry, source);
    } catch (error) {
      if (error instanceof DocumentLoadError && error.source !== source) throw corrupt(part, error.reason, error);
      throw error;
    }
  };

  const walk = (part: string, handlers: Omit<WalkXmlOptions, "bytes">): boolean => {
    const partBytes = read(part);
    if (partBytes == null) return false;
    try {
      walkXml({bytes: partBytes, ...handlers});
    } catch (error) {
      if (error instanceof H2oGptError) throw error;
      throw corrupt(part, `malformed XML (${firstLine((error as Error).message)})`, error);
    }
    return true;
  };

  return {
    parts: [...entries.keys()],
    has: (part) => entries.has(part),
    read,
    walk,
    resolve: resolvePart,
    relationships(part) {
      const relationships: OfficeRelationship[] = [];
      const folder = posix.dirname(part);
      const relsPart = posix.join(folder, "_rels", `${posix.basename(part)}.rels`);
      walk(relsPart, {
        open(name, attributes) {
          if (name !== "Relationship" || attributes.TargetMode === "External") return;
          const {Id: id, Type: type, Target: target} = attributes;
          if (id == null || type == null || target == null) return;
          relationships.push({id, type, target: resolvePart(folder, target)});
        }
      });
      return relationships;
    },
    title(part) {
      let title: string | undefined;
      let inTitle = false;
      let text = "";
      walk(part, {
        open(name) {
          inTitle = title == null && name === "title";
        },
        close(name) {
          if (inTitle && name === "title") title = text.trim() === "" ? undefined : text.trim();
          inTitle = false;
        },
        text(data) {
          if (inTitle) text += data;
        }
      });
      return title;
    }
  };
}

function resolvePart(folder: string, target: string): string {
  let decoded = target.split("#")[0];
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // A stray "%" is a literal character in the part name.
  }
  const joined = decoded.startsWith("/") ? decoded.slice(1) : posix.join(folder, decoded);
  return posix.normalize(joined).replace(/^(\.\.\/)+/, "").replace(/^\.\//, "");
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}
