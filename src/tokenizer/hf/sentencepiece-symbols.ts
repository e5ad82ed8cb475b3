/** SentencePiece's spelling: "▁" stands for a space, `<0xXX>` tokens for single bytes (byte fallback). */

export const META_SPACE = "\u2581";

/** The byte a `<0xXX>` token stands for, or -1. */
export function fallbackByte(token: string): number {
  if (token.length !== 6 || !token.startsWith("<0x") || !token.endsWith(">")) return -1;
  const value = parseInt(token.slice(3, 5), 16);
  return Number.isNaN(value) ? -1 : value;
}
