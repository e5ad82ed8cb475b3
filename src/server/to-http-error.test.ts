import {describe, expect, it} from "vitest";
import {EngineClosedError, RemoteServerError} from "../engine/index.js";
import {ContextOverflowError, H2oGptError, NotSupportedError, UsageError} from "../errors/index.js";
import {HttpError} from "./http-error.js";
import {toHttpError} from "./to-http-error.js";

describe("toHttpError", () => {
  it("maps stage errors to statuses and keeps internal details out of the message", () => {
    const table: [unknown, number, string][] = [
      [new ContextOverflowError(5000, 4096), 400, "context_length_exceeded"],
      [new NotSupportedError("num_beams > 1"), 400, "unsupported_feature"],
      [new UsageError("unknown prompt type 'x'"), 400, "invalid_value"],
      [new RemoteServerError("503 from upstream", "http://x"), 502, "upstream_error"],
      [new EngineClosedError(), 503, "shutting_down"],
      [new H2oGptError("generation failed"), 500, "generation_failed"],
      [new TypeError("secret internal path /home/x"), 500, "internal_error"]
    ];
    for (const [error, status, code] of table) {
      const http = toHttpError(error);
      expect([http.status, http.code]).toEqual([status, code]);
    }
    expect(toHttpError(new ContextOverflowError(5000, 4096)).message).toBe("prompt has 5000 tokens but the context holds 4096");
    expect(toHttpError(new TypeError("secret")).message).not.toContain("secret");
    const own = new HttpError(418, "teapot");
    expect(toHttpError(own)).toBe(own);
  });
});
