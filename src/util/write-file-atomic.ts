import {randomBytes} from "node:crypto";
import {rename, rm, writeFile} from "node:fs/promises";
import {basename, dirname, join} from "node:path";

/** The temporary name a file is written under before it is renamed into place. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/**
 * Writes under a temporary name and renames, so a reader never sees a half-written file. `mode` sets the new file's
 * permissions (e.g. to keep a secrets file private across rewrites).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: {mode?: number} = {}): Promise<void> {
  const tmp = temporaryPathFor(path);
  try {
    await writeFile(tmp, data, options.mode == null ? undefined : {mode: options.mode});
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, {force: true});
    throw error;
  }
}
