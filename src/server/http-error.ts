import {H2oGptError} from "../errors/index.js";

/** OpenAI's `error.type` for each status we answer with, so OpenAI clients raise their matching exception class. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  405: "invalid_request_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
  429: "rate_limit_error",
  500: "server_error",
  501: "not_implemented_error",
  502: "server_error",
  503: "server_error"
};

export interface HttpErrorOptions {
  /** Machine-readable code, e.g. `model_not_found`, `context_length_exceeded`. */
  readonly code?: string;
  /** The request field at fault, e.g. `messages[2].content`. */
  readonly param?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** A request that ends with an HTTP status other than 200. The message is safe to show to the client. */
export class HttpError extends H2oGptError {
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    message: string,
    options: HttpErrorOptions = {}
  ) {
    super(message, {cause: options.cause});
    this.code = options.code;
    this.param = options.param;
    this.headers = options.headers ?? {};
  }

  /** The OpenAI error body: `{error: {message, type, param, code}}`. */
  toBody(): {error: {message: string; type: string; param: string | null; code: string | null}} {
    return {
      error: {
        message: this.message,
        type: ERROR_TYPES[this.status] ?? "server_error",
        param: this.param ?? null,
        code: this.code ?? null
      }
    };
  }
}

/** Every generation slot is busy and the waiting queue is full. */
export class QueueFullError extends HttpError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly running: number,
    readonly queued: number
  ) {
    super(
      429,
      `server busy: ${running} generations running and ${queued} waiting (the queue is full); retry after ${retryAfterSeconds} s`,
      {code: "queue_full", headers: {"Retry-After": String(retryAfterSeconds)}}
    );
  }
}
