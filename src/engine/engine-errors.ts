import {H2oGptError, InputFileError} from "../errors/index.js";

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
