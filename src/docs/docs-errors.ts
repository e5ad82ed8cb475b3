import {H2oGptError, UsageError} from "../errors/index.js";

/** A file or member that cannot become text: encrypted, corrupt, empty, unsupported. The ingest reports it and goes on. */
export class DocumentLoadError extends H2oGptError {
  constructor(
    readonly source: string,
    readonly reason: string,
    options?: {cause?: unknown}
  ) {
    super(`${source}: ${reason}`, options);
  }
}

/** An archive past its limits (members, total bytes, compression ratio, nesting): refused whole, with the limit named. */
export class ArchiveLimitError extends DocumentLoadError {}

/** A URL refused before or while fetching: not http(s), a private/loopback/metadata address, too large, too slow. */
export class UrlRefusedError extends DocumentLoadError {}

/** A collection opened with another embedding model than it was built with, or a vector query without one. */
export class EmbeddingMismatchError extends UsageError {}

/** A collection name that does not exist, or one the caller may not see (the same message, so names do not leak). */
export class CollectionNotFoundError extends UsageError {}
