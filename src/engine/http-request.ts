import {RemoteServerError} from "./engine-errors.js";

export interface RetryPolicy {
  /** Retries after the first attempt, for 429/502/503/504 and connection failures. */
  readonly retries: number;
  /** The first wait; each retry doubles it (a Retry-After header wins, up to maxDelayMs). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface HttpRequestOptions {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly body?: unknown;
  readonly apiKey?: string;
  /** Time allowed until the response headers arrive, per attempt. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly response: Response;
  /** Aborting it stops reading the body (the caller's idle timeout, or the caller giving up). */
  readonly controller: AbortController;
  /** Detaches from the caller's signal; call it when the body has been read. */
  readonly release: () => void;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

class AttemptTimeout extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, {once: true});
  });
}

function retryDelay(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter == null ? Number.NaN : Number(retryAfter);
  const fromHeader = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : Number.NaN;
  const exponential = policy.baseDelayMs * 2 ** attempt;
  return Math.min(policy.maxDelayMs, Number.isNaN(fromHeader) ? exponential : fromHeader);
}

/** The server's own words for a failure (OpenAI-style `{error: {message}}`, `{error: "..."}`, `{detail}`, or the text) and its JSON body. */
export async function errorMessage(response: Response): Promise<{message: string; body?: unknown}> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {message: text.trim().slice(0, 300) || response.statusText};
  }
  const json = (body ?? {}) as {error?: {message?: string} | string; message?: string; detail?: unknown};
  const message = typeof json.error === "string" ? json.error : (json.error?.message ?? json.message ?? json.detail);
  return {message: message == null ? text.trim().slice(0, 300) : typeof message === "string" ? message : JSON.stringify(message), body};
}

function describeNetworkError(error: unknown): string {
  const cause = (error as {cause?: {code?: string; message?: string}}).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

async function attempt(options: HttpRequestOptions): Promise<HttpResponse> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, {once: true});
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), options.timeoutMs);
  const release = (): void => options.signal?.removeEventListener("abort", onAbort);
  try {
    const response = await fetch(options.url, {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(options.apiKey == null ? {} : {authorization: `Bearer ${options.apiKey}`})
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal
    });
    return {response, controller, release};
  } catch (error) {
    release();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends a request, retrying with exponential backoff on 429/502/503/504 and on connection failures. Any other
 * failure, or the last retryable one, becomes a RemoteServerError with the URL, the status and the server's message.
 * The caller's abort is rethrown as is.
 */
export async function sendRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const {url, retry} = options;
  for (let attemptIndex = 0; ; attemptIndex++) {
    const last = attemptIndex >= retry.retries;
    let result: HttpResponse;
    try {
      result = await attempt(options);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      if (error instanceof AttemptTimeout || (error as Error).name === "AbortError" || (error as {cause?: unknown}).cause instanceof AttemptTimeout) {
        if (last) throw new RemoteServerError(`${url}: no response within ${options.timeoutMs / 1000}s`, url, undefined, {cause: error});
      } else if (last) {
        throw new RemoteServerError(`${url}: cannot connect (${describeNetworkError(error)})`, url, undefined, {cause: error});
      }
      await sleep(retryDelay(retry, attemptIndex, null), options.signal);
      continue;
    }
    const {response} = result;
    if (response.ok) return result;
    result.release();
    if (RETRY_STATUSES.has(response.status) && !last) {
      await response.body?.cancel().catch(() => undefined);
      await sleep(retryDelay(retry, attemptIndex, response.headers.get("retry-after")), options.signal);
      continue;
    }
    const {message, body} = await errorMessage(response);
    const tries = attemptIndex > 0 ? ` after ${attemptIndex + 1} attempts` : "";
    throw new RemoteServerError(`${url}: HTTP ${response.status}${tries}: ${message}`, url, response.status, {body});
  }
}
