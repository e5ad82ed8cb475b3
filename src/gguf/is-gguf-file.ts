import {open} from "node:fs/promises";

/**
 * Whether the file at `path` starts with GGUF's magic (its first four bytes), without reading further.
 * @example await isGgufFile("model.gguf") // true
 */
export async function isGgufFile(path: string): Promise<boolean> {
  const file = await open(path, "r");
  try {
    const {bytesRead, buffer} = await file.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString("latin1") === "GGUF";
  } finally {
    await file.close();
  }
}
