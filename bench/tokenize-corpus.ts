/**
 * The benchmark's text: real English-dominant documentation found on this machine (markdown, READMEs, text
 * files and Debian copyright files from node_modules and /usr/share/doc), read in sorted path order, each file
 * once (duplicates by content skipped), until at least `minBytes` of UTF-8. Deterministic for a given
 * machine, with nothing downloaded.
 */
import {createHash} from "node:crypto";
import {readdirSync, readFileSync, statSync} from "node:fs";
import {join, resolve} from "node:path";

const ROOTS = [resolve(import.meta.dirname ?? ".", "..", "node_modules"), "/usr/share/doc"];
const WANTED = /(\.md|\.markdown|\.txt)$|(^|\/)(readme[^/]*|copyright)$/i;
/** Very large files (whole changelogs) would make the corpus one document; take at most this much of each. */
const MAX_BYTES_PER_FILE = 256 * 1024;
const STRICT_UTF8 = new TextDecoder("utf-8", {fatal: true});

export interface Corpus {
  readonly text: string;
  readonly bytes: number;
  readonly files: number;
  readonly sha256: string;
  /** Paragraph-sized records (split at blank lines), for the many-small-calls measurement. */
  readonly paragraphs: string[];
}

function listFiles(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, {withFileTypes: true});
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, out);
    else if (entry.isFile() && WANTED.test(path)) out.push(path);
  }
}

/** The text of a file cut at a line end near MAX_BYTES_PER_FILE, or undefined when it is not UTF-8 text. */
function documentText(path: string): string | undefined {
  if (statSync(path).size < 512) return undefined;
  const bytes = readFileSync(path);
  if (bytes.includes(0)) return undefined;
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  if (bytes.length <= MAX_BYTES_PER_FILE) return text;
  const cut = text.lastIndexOf("\n", MAX_BYTES_PER_FILE);
  return text.slice(0, cut > 0 ? cut + 1 : MAX_BYTES_PER_FILE);
}

export function collectCorpus(minBytes: number): Corpus {
  const files: string[] = [];
  for (const root of ROOTS) listFiles(root, files);
  const seen = new Set<string>();
  const parts: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const text = documentText(file);
    if (text === undefined) continue;
    const digest = createHash("sha256").update(text).digest("hex");
    if (seen.has(digest)) continue;
    seen.add(digest);
    parts.push(text);
    bytes += Buffer.byteLength(text);
    if (bytes >= minBytes) break;
  }
  const text = parts.join("\n\n");
  const paragraphs = text.split(/\n\s*\n/).filter((paragraph) => paragraph.length > 0);
  return {
    text,
    bytes: Buffer.byteLength(text),
    files: parts.length,
    sha256: createHash("sha256").update(text).digest("hex"),
    paragraphs
  };
}
