import {SseParser, type SseEvent} from "./sse-parser.js";

/** Calls to the server's own API. A 401 means the session ended: go to the login page. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null
  ) {
    super(message);
  }
}

async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  try {
    const body = (await response.json()) as {error?: {message?: string; code?: string}};
    message = body.error?.message ?? message;
    code = body.error?.code ?? null;
  } catch {
    // Not JSON: keep the status line.
  }
  if (response.status === 401 && location.pathname !== "/login") location.assign("/login");
  return new ApiError(response.status, message, code);
}

// The server refuses state-changing requests that another site could forge (request-guards.ts); this header,
// which no page can add cross-site without a CORS preflight, lets body-less ones (Delete, logout) and uploads through.
export const CSRF_HEADERS: Readonly<Record<string, string>> = {"x-requested-with": "h2ogpt"};

function init(method: string, body: unknown, signal?: AbortSignal): RequestInit {
  return {
    method,
    signal,
    credentials: "same-origin",
    headers: body === undefined ? CSRF_HEADERS : {...CSRF_HEADERS, "content-type": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body)
  };
}

export async function api<T>(path: string, options: {method?: string; body?: unknown; signal?: AbortSignal} = {}): Promise<T> {
  const response = await fetch(path, init(options.method ?? (options.body === undefined ? "GET" : "POST"), options.body, options.signal));
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** POSTs `body` and calls `onEvent` for each server-sent event until the stream ends or `signal` aborts. */
export async function streamEvents(path: string, body: unknown, signal: AbortSignal, onEvent: (event: SseEvent) => void): Promise<void> {
  const response = await fetch(path, init("POST", body, signal));
  if (!response.ok || response.body == null) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    for (const event of parser.push(value)) onEvent(event);
  }
  for (const event of parser.end()) onEvent(event);
}
