/**
 * GPT-2's reversible byte-to-character map. Byte-level BPE vocabularies spell every byte as a printable
 * character (space is `Ġ`, newline is `Ċ`) so that tokens are valid, visible JSON strings.
 */

function buildByteToChar(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) map[b] = String.fromCharCode(printable(b) ? b : next++);
  return map;
}

/** `BYTE_TO_CHAR[b]` is the vocabulary character for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** The inverse of BYTE_TO_CHAR, indexed by char code (every mapped character is below U+0200); -1 if unmapped. */
export const CHAR_CODE_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  BYTE_TO_CHAR.forEach((char, byte) => (table[char.charCodeAt(0)] = byte));
  return table;
})();

/**
 * The bytes a byte-level token string stands for, or undefined when one of its characters is outside the map
 * (added tokens such as runs of plain spaces): HF's decoder then uses the token's own UTF-8 bytes.
 */
export function byteLevelTokenBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const byte = code < 0x200 ? CHAR_CODE_TO_BYTE[code]! : -1;
    if (byte < 0) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}
