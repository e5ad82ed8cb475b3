import {EngineClosedError, RemoteServerError} from "../engine/index.js";
import {ContextOverflowError, H2oGptError, NotSupportedError, UsageError} from "../errors/index.js";
import {HttpError} from "./http-error.js";

/**
 * Maps an error from a stage to what the client is told. Our typed errors carry messages meant for users
 * (they name the field or the numbers); anything else is an internal fault whose details stay in the log.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ContextOverflowError)
    return new HttpError(400, error.message, {code: "context_length_exceeded", cause: error});
  if (error instanceof NotSupportedError) return new HttpError(400, error.message, {code: "unsupported_feature", cause: error});
  if (error instanceof UsageError) return new HttpError(400, error.message, {code: "invalid_value", cause: error});
  if (error instanceof RemoteServerError) return new HttpError(502, `the model server failed: ${error.message}`, {code: "upstream_error", cause: error});
  if (error instanceof EngineClosedError) return new HttpError(503, "the server is shutting down", {code: "shutting_down", cause: error});
  if (error instanceof H2oGptError) return new HttpError(500, error.message, {code: "generation_failed", cause: error});
  return new HttpError(500, "internal server error (see the server log)", {code: "internal_error", cause: error});
}

/** toHttpError, with internal faults (5xx) logged: the client is told little, so the details go to the log. */
export function toLoggedHttpError(error: unknown): HttpError {
  const http = toHttpError(error);
  if (http.status >= 500) console.error(error);
  return http;
}
