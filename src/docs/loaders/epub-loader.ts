import {posix} from "node:path";
import {DocumentLoadError} from "../docs-errors.js";
import type {Loader, TextSegment} from "../document-types.js";
import {htmlToText} from "./html-to-text.js";
import {openOfficeZip, type OfficeZip} from "./open-office-zip.js";

const HTML_TYPES = new Set(["application/xhtml+xml", "text/html"]);

interface Package {
  readonly title?: string;
  readonly manifest: ReadonlyMap<string, {href: string; mediaType: string}>;
  readonly spine: readonly string[];
}

/**
 * EPUB books: META-INF/container.xml names the package (OPF), whose spine gives the reading order; each
 * XHTML spine item becomes one segment (`page` = 1-based spine position, `section` = the chapter's title) through
 * htmlToText. The book's title is the package's dc:title. DRM-encrypted books are refused.
 */
export const epubLoader: Loader = {
  formats: ["epub"],
  async *load(input, context, depth) {
    const zip = openOfficeZip({input, context, depth, label: "EPUB"});
    const opf = packagePart(zip);
    if (opf == null) throw new DocumentLoadError(input.source, "corrupt EPUB: no package document (.opf) found");
    const book = readPackage(zip, opf);
    const folder = posix.dirname(opf);
    const encrypted = encryptedParts(zip);
    const segments: TextSegment[] = [];
    const decoder = new TextDecoder();
    book.spine.forEach((idref, index) => {
      context.signal?.throwIfAborted();
      const item = book.manifest.get(idref);
      if (item == null || !HTML_TYPES.has(item.mediaType)) return;
      const part = zip.resolve(folder, item.href);
      if (encrypted.has(part)) throw new DocumentLoadError(input.source, "encrypted EPUB (DRM protected): not supported");
      const bytes = zip.read(part);
      if (bytes == null) return;
      const chapter = htmlToText(decoder.decode(bytes));
      if (chapter.text.trim() === "") return;
      segments.push({text: chapter.text, page: index + 1, ...(chapter.title == null ? {} : {section: chapter.title})});
    });
    if (segments.length === 0) throw new DocumentLoadError(input.source, "no text found: the book's chapters have no text");
    yield {source: input.source, format: "epub", ...(book.title == null ? {} : {title: book.title}), segments};
  }
};

function packagePart(zip: OfficeZip): string | undefined {
  let found: string | undefined;
  zip.walk("META-INF/container.xml", {
    open(name, attributes) {
      const path = attributes["full-path"];
      if (found == null && name === "rootfile" && path != null && zip.has(zip.resolve(".", path))) {
        found = zip.resolve(".", path);
      }
    }
  });
  return found ?? zip.parts.find((part) => part.toLowerCase().endsWith(".opf"));
}

function readPackage(zip: OfficeZip, part: string): Package {
  const manifest = new Map<string, {href: string; mediaType: string}>();
  const spine: string[] = [];
  let inMetadata = false;
  let inTitle = false;
  let titleText = "";
  let title: string | undefined;
  zip.walk(part, {
    open(name, attributes) {
      if (name === "metadata") inMetadata = true;
      else if (name === "title" && inMetadata && title == null) inTitle = true;
      else if (name === "item" && attributes.id != null && attributes.href != null) {
        manifest.set(attributes.id, {href: attributes.href, mediaType: attributes["media-type"] ?? ""});
      } else if (name === "itemref" && attributes.idref != null) spine.push(attributes.idref);
    },
    close(name) {
      if (name === "metadata") inMetadata = false;
      else if (name === "title" && inTitle) {
        inTitle = false;
        if (titleText.trim() !== "") title = titleText.trim();
      }
    },
    text(data) {
      if (inTitle) titleText += data;
    }
  });
  return {manifest, spine, ...(title == null ? {} : {title})};
}

/** Parts that META-INF/encryption.xml lists, font obfuscation aside (which is not DRM and never hides text). */
function encryptedParts(zip: OfficeZip): Set<string> {
  const parts = new Set<string>();
  let fontObfuscation = false;
  zip.walk("META-INF/encryption.xml", {
    open(name, attributes) {
      if (name === "EncryptedData") fontObfuscation = false;
      else if (name === "EncryptionMethod") {
        const algorithm = attributes.Algorithm ?? "";
        fontObfuscation = algorithm.includes("obfuscation") || algorithm.endsWith("#font-obfuscation");
      } else if (name === "CipherReference" && attributes.URI != null && !fontObfuscation) {
        parts.add(zip.resolve(".", attributes.URI));
      }
    }
  });
  return parts;
}
