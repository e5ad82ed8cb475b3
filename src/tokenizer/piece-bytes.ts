import {byteLevelTokenBytes} from "./hf/byte-level.js";

/** How a vocabulary's token strings spell text: GPT-2's byte characters, or SentencePiece's "▁" and `<0xXX>`. */
export type PieceSpelling = "byte-level" | "sentencepiece";

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;
const ENCODER = new TextEncoder();
/** Keeps a leading U+FEFF: it is text the tokens stand for, not a byte-order mark to strip. */
const UTF8 = new TextDecoder("utf-8", {ignoreBOM: true});

/**
 * The text bytes a token string stands for. A byte-level string with a character outside GPT-2's map (an added
 * token such as a run of plain spaces) stands for its own UTF-8, as in HF's decoder.
 */
export function pieceBytes(token: string, spelling: PieceSpelling): Uint8Array {
  if (spelling === "byte-level") return byteLevelTokenBytes(token) ?? ENCODER.encode(token);
  const byte = BYTE_TOKEN.exec(token);
  return byte ? Uint8Array.of(parseInt(byte[1]!, 16)) : ENCODER.encode(token.replaceAll("\u2581", " "));
}

/** The pieces' bytes joined and read as UTF-8 (so a character split over several tokens comes out whole). */
export function utf8FromPieces(parts: readonly Uint8Array[]): string {
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return UTF8.decode(joined);
}
