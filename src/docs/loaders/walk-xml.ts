import {SaxesParser} from "saxes";

export interface WalkXmlOptions {
  readonly bytes: Uint8Array;
  /** An element starts; `name` is its local name (prefix dropped). Return true to skip the element's content. */
  readonly open?: (name: string, attributes: Readonly<Record<string, string>>) => boolean | void;
  /** An element ends (never called for a skipped element). */
  readonly close?: (name: string) => void;
  /** Character data (CDATA included), entities decoded. */
  readonly text?: (text: string) => void;
}

/** Decoded and parsed a slice at a time, so a huge part never becomes one giant string. */
const SLICE_BYTES = 1 << 20;

/**
 * Streams an XML document through saxes. Element names arrive without their prefix (Office and OpenDocument
 * parts use fixed prefixes, but Strict OOXML and some writers change them); attributes keep their qualified
 * names (`r:id` and `id` differ). DTD entities are never expanded. Throws saxes' error on malformed XML.
 */
export function walkXml(options: WalkXmlOptions): void {
  const {bytes, open, close, text} = options;
  const parser = new SaxesParser({xmlns: false});
  let skipping = 0;
  parser.on("opentag", (tag) => {
    if (skipping > 0) {
      skipping++;
      return;
    }
    if (open?.(localName(tag.name), tag.attributes as Record<string, string>) === true) skipping = 1;
  });
  parser.on("closetag", (tag) => {
    if (skipping > 0) {
      skipping--;
      return;
    }
    close?.(localName(tag.name));
  });
  if (text != null) {
    const onText = (data: string): void => {
      if (skipping === 0) text(data);
    };
    parser.on("text", onText);
    parser.on("cdata", onText);
  }
  const decoder = new TextDecoder(encodingOf(bytes));
  for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
    parser.write(decoder.decode(bytes.subarray(start, start + SLICE_BYTES), {stream: true}));
  }
  parser.write(decoder.decode());
  parser.close();
}

function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
}

/** XML parts are UTF-8 unless a UTF-16 byte order mark says otherwise. */
function encodingOf(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return "utf-8";
}
