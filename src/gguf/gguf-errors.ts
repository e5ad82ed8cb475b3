import {InputFileError, UsageError} from "../errors/index.js";

/** A file that is not a readable GGUF: wrong magic, unsupported version, truncated or inconsistent header/data. */
export class GgufFormatError extends InputFileError {
  constructor(
    path: string,
    reason: string,
    /** Byte offset where the problem was found, when there is one. */
    readonly byteOffset?: number
  ) {
    super(path, byteOffset == null ? `not a valid GGUF file: ${reason}` : `not a valid GGUF file: ${reason} (at byte ${byteOffset})`);
  }
}

/** Metadata or tensors that cannot be written as GGUF; the message names the key or tensor. */
export class GgufWriteError extends UsageError {}
