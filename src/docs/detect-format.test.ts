import {describe, expect, it} from "vitest";
import {detectFormat} from "./detect-format.js";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe("detectFormat", () => {
  it("goes by content first: magic bytes win over a misleading extension", () => {
    expect(detectFormat({name: "notes.txt", bytes: text("%PDF-1.7\n...")})).toEqual({format: "pdf"});
    expect(detectFormat({name: "x.bin", bytes: Uint8Array.from([0x1f, 0x8b, 8, 0])})).toEqual({format: "gzip"});
    expect(detectFormat({name: "scan", bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])})).toEqual({format: "image"});
    expect(detectFormat({name: "page", bytes: text("<!DOCTYPE html><html><body>x</body></html>")})).toEqual({format: "html"});
    expect(detectFormat({name: "mail", bytes: text("From: a@b.c\nTo: d@e.f\nSubject: hi\n\nbody")})).toEqual({format: "eml"});
    expect(detectFormat({name: "data", bytes: text('{"a": 1}')})).toEqual({format: "json"});
    expect(detectFormat({name: "list", bytes: text('[{"a": 1}]')})).toEqual({format: "json"});
    // Prose that opens with a bracket is text (Debian's changelogs and READMEs do).
    expect(detectFormat({name: "README.abs-guide", bytes: text("[ This is just a pointer to the guide ]")})).toEqual({format: "text"});
    expect(detectFormat({name: "changelog", bytes: text("[Changes for 0.04 - 2010]\n* fixed")})).toEqual({format: "text"});
  });

  it("uses the extension where content cannot tell", () => {
    expect(detectFormat({name: "a.csv", bytes: text("a,b\n1,2\n")})).toEqual({format: "csv"});
    expect(detectFormat({name: "a.md", bytes: text("# Title")})).toEqual({format: "markdown"});
    expect(detectFormat({name: "main.py", bytes: text("print(1)")})).toEqual({format: "code"});
    expect(detectFormat({name: "Makefile", bytes: text("all:\n\tcc")})).toEqual({format: "code"});
    expect(detectFormat({name: "a.pdf", bytes: text("just text saved with the wrong name")})).toEqual({format: "text"});
  });

  it("tells zip-based documents apart by their parts", () => {
    const zipWith = (names: string[]): Uint8Array => {
      const header = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...new Array(26).fill(0)]);
      return new Uint8Array([...header, ...text(names.join("\n"))]);
    };
    expect(detectFormat({name: "a", bytes: zipWith(["[Content_Types].xml", "word/document.xml"])})).toEqual({format: "docx"});
    expect(detectFormat({name: "a", bytes: zipWith(["[Content_Types].xml", "xl/workbook.xml"])})).toEqual({format: "xlsx"});
    expect(detectFormat({name: "a", bytes: zipWith(["[Content_Types].xml", "ppt/presentation.xml"])})).toEqual({format: "pptx"});
    expect(detectFormat({name: "a", bytes: zipWith(["mimetypeapplication/epub+zip"])})).toEqual({format: "epub"});
    expect(detectFormat({name: "a", bytes: zipWith(["mimetypeapplication/vnd.oasis.opendocument.text"])})).toEqual({format: "odt"});
    expect(detectFormat({name: "a.zip", bytes: zipWith(["readme.txt"])})).toEqual({format: "zip"});
  });

  it("names what it cannot read instead of failing silently", () => {
    expect(detectFormat({name: "a.mp3", bytes: text("ID3...")})).toEqual({unsupported: "audio is not supported (no speech-to-text model is available)"});
    expect(detectFormat({name: "clip", bytes: Uint8Array.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70])})).toEqual({
      unsupported: "video is not supported (no speech-to-text model is available)"
    });
    expect(detectFormat({name: "a.doc", bytes: Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])})).toMatchObject({
      unsupported: expect.stringMatching(/^legacy binary or password-protected Office file/)
    });
    expect(detectFormat({name: "blob.bin", bytes: Uint8Array.from([0, 1, 2, 3])})).toEqual({
      unsupported: "unknown binary format (.bin): not a document type h2ogpt-ts reads"
    });
    expect(detectFormat({name: "tiny", bytes: new Uint8Array()})).toEqual({format: "text"});
  });
});
