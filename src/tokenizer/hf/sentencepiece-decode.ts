import {fallbackByte, META_SPACE} from "./sentencepiece-symbols.js";

const STRICT_UTF8 = new TextDecoder("utf-8", {fatal: true, ignoreBOM: true});

/**
 * HF's Llama decoder chain on token strings: "▁" becomes a space, runs of `<0xXX>` tokens become the UTF-8 text
 * they spell (or one U+FFFD per token when they spell none), everything is joined, and up to `strip` leading
 * spaces are removed.
 */
export function decodeSentencePiece(tokens: readonly string[], strip: number): string {
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    try {
      out += STRICT_UTF8.decode(Uint8Array.from(bytes));
    } catch {
      out += "\ufffd".repeat(bytes.length);
    }
    bytes = [];
  };
  for (const token of tokens) {
    const byte = fallbackByte(token);
    if (byte >= 0) {
      bytes.push(byte);
      continue;
    }
    flush();
    out += token.replaceAll(META_SPACE, " ");
  }
  flush();
  let start = 0;
  while (start < strip && out[start] === " ") start++;
  return out.slice(start);
}
