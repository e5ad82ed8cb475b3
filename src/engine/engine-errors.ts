import {H2oGptError, InputFileError, UsageError} from "../errors/index.js";

/** A model file llama.cpp cannot load (missing, corrupt, unsupported architecture) or a LoRA adapter that does not fit it. */
export class ModelLoadError extends InputFileError {}

/** An OpenAI-compatible server that failed, refused, or could not be reached; carries the HTTP status when there was one. */
export class RemoteServerError extends H2oGptError {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    options?: {cause?: unknown; body?: unknown}
  ) {
    super(message, options);
    this.body = options?.body;
  }

  /** The server's parsed JSON error body, when it sent one. */
  readonly body: unknown;
}

/** A call on an engine after `close()`. */
export class EngineClosedError extends H2oGptError {
  constructor() {
    super("the engine is closed");
  }
}

/** A remote model (`hf:OWNER/REPO:QUANT`, a URL) that does not exist, or is not in the cache in offline mode. Exit code 2. */
export class ModelNotFoundError extends UsageError {}

/** A model download that failed: refused (401/403), unreachable, cut off, or out of disk space; carries the HTTP status when there was one. */
export class ModelDownloadError extends H2oGptError {
  constructor(
    message: string,
    readonly status?: number,
    options?: {cause?: unknown}
  ) {
    super(message, options);
  }
}
