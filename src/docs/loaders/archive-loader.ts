import {gunzipSync} from "node:zlib";
import {ArchiveLimitError, DocumentLoadError} from "../docs-errors.js";
import type {DocumentInput, LoadContext, LoadedDocument, Loader} from "../document-types.js";
import {ArchiveBudget} from "./archive-budget.js";
import {readTarEntries} from "./tar-reader.js";
import {readZipEntries} from "./zip-reader.js";

interface Member {
  readonly name: string;
  readonly source: string;
  /** The member's bytes; throws `DocumentLoadError` for this member alone (encrypted, corrupt). */
  read(): Uint8Array;
}

interface ArchiveRun {
  readonly input: DocumentInput;
  readonly context: LoadContext;
  readonly depth: number;
  readonly budget: ArchiveBudget;
}

/**
 * Zip, tar and gzip (tar.gz / tgz included): every member (directories and macOS metadata skipped) is handed to
 * `context.loadNested` as `archive!/member/path`. One top-level archive and everything nested in it share
 * `context.archiveLimits`; past any limit the archive is refused whole with an `ArchiveLimitError`, checked on
 * declared sizes before anything is loaded and enforced again while inflating. A member that cannot be read is
 * reported and the others still load.
 */
export const archiveLoader: Loader = {
  formats: ["zip", "tar", "gzip"],
  async *load(input, context, depth) {
    const {maxDepth} = context.archiveLimits;
    if (depth > maxDepth) {
      throw new ArchiveLimitError(
        input.source,
        `archive refused: nested ${depth} archives deep (limit ${maxDepth}) (a zip bomb?)`
      );
    }
    const run: ArchiveRun = {input, context, depth, budget: ArchiveBudget.for({input, context, depth})};
    const kind = archiveKind(input);
    if (kind === "gzip") yield* loadGzip(run);
    else yield* loadMembers(run, kind === "zip" ? zipMembers(run) : tarMembers(run, input.bytes, false));
  }
};

function archiveKind(input: DocumentInput): "zip" | "tar" | "gzip" {
  const bytes = input.bytes;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return "zip";
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "gzip";
  if (/\.(zip|jar)$/i.test(input.name)) return "zip";
  if (/\.(gz|tgz)$/i.test(input.name)) return "gzip";
  return "tar";
}

function zipMembers(run: ArchiveRun): Member[] {
  const {input, budget} = run;
  const entries = readZipEntries({bytes: input.bytes, source: input.source, label: "zip"}).filter(
    (entry) => !entry.directory && !isMetadata(entry.name)
  );
  // Every limit is checked on the declared sizes before any member loads, so a bomb is refused whole; `read()`
  // then holds each member to its declared size.
  budget.takeMembers(entries.length, input.source);
  for (const entry of entries) budget.checkRatio(entry, input.source);
  budget.takeBytes(
    entries.reduce((sum, entry) => sum + (entry.encrypted ? 0 : entry.uncompressedSize), 0),
    input.source
  );
  return entries.map((entry) => ({name: entry.name, source: `${input.source}!/${entry.name}`, read: () => entry.read()}));
}

/** `inflated`: the tar came out of a gzip stream whose bytes are already spent from the budget. */
function tarMembers(run: ArchiveRun, bytes: Uint8Array, inflated: boolean): Member[] {
  const {input, budget} = run;
  const entries = readTarEntries({bytes, source: input.source}).filter((entry) => !isMetadata(entry.name));
  budget.takeMembers(entries.length, input.source);
  if (!inflated) budget.takeBytes(entries.reduce((sum, entry) => sum + entry.bytes.length, 0), input.source);
  return entries.map((entry) => ({name: entry.name, source: `${input.source}!/${entry.name}`, read: () => entry.bytes}));
}

async function* loadMembers(run: ArchiveRun, members: Member[]): AsyncGenerator<LoadedDocument> {
  const {input, context, depth, budget} = run;
  if (members.length === 0) throw new DocumentLoadError(input.source, "no text found: the archive holds no files");
  for (const member of members) {
    context.signal?.throwIfAborted();
    let bytes: Uint8Array;
    try {
      bytes = member.read();
    } catch (error) {
      if (!(error instanceof DocumentLoadError) || error instanceof ArchiveLimitError) throw error;
      context.reportFailure({source: error.source, reason: error.reason});
      continue;
    }
    budget.share(bytes);
    yield* context.loadNested({name: member.name, source: member.source, bytes}, depth + 1);
  }
}

async function* loadGzip(run: ArchiveRun): AsyncGenerator<LoadedDocument> {
  const {input, context, depth, budget} = run;
  const {maxBytes, refusal} = budget.streamLimit(input.bytes.length, input.source);
  let inner: Uint8Array;
  try {
    inner = gunzipSync(input.bytes, {maxOutputLength: Math.max(1, maxBytes)});
  } catch (error) {
    if ((error as {code?: string}).code === "ERR_BUFFER_TOO_LARGE") throw refusal;
    throw new DocumentLoadError(input.source, `corrupt gzip: ${(error as Error).message}`, {cause: error});
  }
  budget.takeBytes(inner.length, input.source);
  const innerName = input.name.replace(/\.tgz$/i, ".tar").replace(/\.gz$/i, "");
  if (/\.tar$/i.test(innerName) || isUstar(inner)) {
    yield* loadMembers(run, tarMembers(run, inner, true));
    return;
  }
  budget.takeMembers(1, input.source);
  budget.share(inner);
  yield* context.loadNested({name: innerName, source: input.source, bytes: inner}, depth + 1);
}

function isUstar(bytes: Uint8Array): boolean {
  return bytes.length >= 512 && new TextDecoder().decode(bytes.subarray(257, 262)) === "ustar";
}

/** Finder and resource-fork litter that macOS adds to archives: never a document. */
function isMetadata(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return /(^|\/)__MACOSX\//.test(name) || base === ".DS_Store" || base.startsWith("._");
}
