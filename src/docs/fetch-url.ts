import {lookup} from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import {isIP} from "node:net";
import {extname} from "node:path/posix";
import {addressRestriction, isPublicAddress} from "./address-policy.js";
import {DocumentLoadError, UrlRefusedError} from "./docs-errors.js";

/**
 * Threat model: the URL comes from a user (a chat upload, an API call) and the server fetches it, so the URL must
 * not make the server reach what only the server can reach (SSRF): loopback services, the cloud metadata endpoint
 * (169.254.169.254 hands out credentials), the private network behind it. Nor may it tie the server up with an
 * endless or huge body. So:
 * - http and https only, no credentials in the URL;
 * - the host is resolved once and refused if ANY of its addresses is not allowed (public by default), and the
 *   connection goes to the checked address itself (a pinned `lookup`), so a DNS answer that changes between the
 *   check and the connect (DNS rebinding) cannot redirect it; Host and TLS SNI stay the URL's hostname;
 * - redirects are followed by hand, each target checked from scratch, and counted;
 * - the body is capped (Content-Length up front, the streamed bytes as they arrive) and the whole fetch is timed.
 * Global `fetch` is not used: it cannot pin the resolved address.
 */

export interface FetchUrlOptions {
  readonly url: string;
  /** Default 50 MB. */
  readonly maxBytes?: number;
  /** The whole fetch: DNS, every redirect, the body. Default 30 s. */
  readonly timeoutMs?: number;
  /** Default 5. */
  readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
  /** Which resolved addresses may be connected to. Default `isPublicAddress`. */
  readonly allowAddress?: (ip: string) => boolean;
}

export interface FetchedUrl {
  /** The URL the body came from, after redirects. */
  readonly url: string;
  /** The Content-Type header as sent (parameters such as charset included). */
  readonly contentType: string | undefined;
  readonly bytes: Uint8Array;
  /**
   * A file name for the body: Content-Disposition's, else the URL path's last segment, with an extension from the
   * content type when it has none (`/` as text/html is `index.html`).
   */
  readonly name: string;
}

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_NAME_CHARS = 200;

const EXTENSIONS: Readonly<Record<string, string>> = {
  "text/html": ".html",
  "application/xhtml+xml": ".html",
  "text/plain": ".txt",
  "text/markdown": ".md",
  "text/x-rst": ".rst",
  "text/csv": ".csv",
  "text/tab-separated-values": ".tsv",
  "application/json": ".json",
  "application/x-ndjson": ".jsonl",
  "application/jsonl": ".jsonl",
  "application/xml": ".xml",
  "text/xml": ".xml",
  "application/pdf": ".pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
  "application/vnd.oasis.opendocument.text": ".odt",
  "application/vnd.oasis.opendocument.spreadsheet": ".ods",
  "application/epub+zip": ".epub",
  "message/rfc822": ".eml",
  "multipart/related": ".mhtml",
  "application/x-mimearchive": ".mhtml",
  "application/zip": ".zip",
  "application/gzip": ".gz",
  "application/x-gzip": ".gz",
  "application/x-tar": ".tar",
  "application/vnd.apache.parquet": ".parquet",
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
  "image/tiff": ".tif",
  "image/bmp": ".bmp",
  "image/webp": ".webp"
};

interface Hop {
  readonly url: URL;
  readonly host: string;
  readonly address: string;
  readonly family: number;
}

/** The URL as shown in errors: without credentials, which must not end up in logs. */
function displayUrl(text: string): string {
  try {
    const url = new URL(text);
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    return text;
  }
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (for work that takes no signal, like DNS). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, {once: true});
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Checks one URL (the given one or a redirect target) and resolves its host to an allowed address. */
async function checkHop(options: {
  text: string;
  source: string;
  via: string;
  allowAddress: (ip: string) => boolean;
  signal: AbortSignal;
}): Promise<Hop> {
  const {source, via} = options;
  let url: URL;
  try {
    url = new URL(options.text);
  } catch {
    throw new UrlRefusedError(source, `refused: not a valid URL${via}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UrlRefusedError(source, `only http and https URLs are fetched${via}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new UrlRefusedError(source, `refused: URLs with credentials (user:password@) are not fetched${via}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: {address: string; family: number}[];
  if (isIP(host) !== 0) addresses = [{address: host, family: isIP(host)}];
  else {
    try {
      addresses = await untilAborted(lookup(host, {all: true, verbatim: true}), options.signal);
    } catch (error) {
      if (options.signal.aborted) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new DocumentLoadError(source, `cannot resolve ${host} (${code})${via}`, {cause: error});
    }
    if (addresses.length === 0) throw new DocumentLoadError(source, `cannot resolve ${host} (no addresses)${via}`);
  }
  for (const {address} of addresses) {
    if (!options.allowAddress(address)) {
      const why = addressRestriction(address) ?? "not an allowed address";
      throw new UrlRefusedError(source, `refused: ${address} is ${why}${via}`);
    }
  }
  return {url, host, address: addresses[0].address, family: addresses[0].family};
}

/** One GET to the hop's checked address; the socket never asks DNS again. */
function request(hop: Hop, signal: AbortSignal): Promise<http.IncomingMessage> {
  const pinned: http.RequestOptions["lookup"] = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{address: hop.address, family: hop.family}]);
    else callback(null, hop.address, hop.family);
  };
  const client = hop.url.protocol === "https:" ? https : http;
  const outgoing = client.request({
    method: "GET",
    hostname: hop.host,
    port: hop.url.port === "" ? undefined : Number(hop.url.port),
    path: `${hop.url.pathname}${hop.url.search}`,
    headers: {"user-agent": "h2ogpt-ts", accept: "*/*", "accept-encoding": "identity"},
    lookup: pinned,
    servername: isIP(hop.host) === 0 ? hop.host : undefined,
    agent: false,
    signal
  });
  return new Promise((resolve, reject) => {
    outgoing.on("response", resolve);
    outgoing.on("error", reject);
    outgoing.end();
  });
}

async function readCapped(options: {
  response: http.IncomingMessage;
  maxBytes: number;
  source: string;
  via: string;
}): Promise<Uint8Array> {
  const {response, maxBytes, source, via} = options;
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new UrlRefusedError(source, `refused: larger than ${maxBytes} bytes (Content-Length ${declared})${via}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      response.destroy();
      throw new UrlRefusedError(source, `refused: larger than ${maxBytes} bytes${via}`);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

function dispositionName(header: string | undefined): string | undefined {
  if (header == null) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;\s]+)/i.exec(header);
  if (extended != null) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      return extended[1];
    }
  }
  const plain = /filename\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;\s]+))/i.exec(header);
  if (plain == null) return undefined;
  return plain[1] != null ? plain[1].replace(/\\(.)/g, "$1") : plain[2];
}

/** Only the last path segment, without control characters, so a hostile header cannot name a path. */
function cleanName(raw: string | undefined): string | undefined {
  if (raw == null) return undefined;
  const name = (raw.split(/[\\/]/).pop() ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(-MAX_NAME_CHARS);
  return name === "" || name === "." || name === ".." ? undefined : name;
}

function pathName(url: URL): string | undefined {
  const segment = url.pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function fileName(options: {url: URL; contentType: string | undefined; disposition: string | undefined}): string {
  const name = cleanName(dispositionName(options.disposition)) ?? cleanName(pathName(options.url)) ?? "index";
  if (extname(name) !== "") return name;
  const essence = options.contentType?.split(";")[0].trim().toLowerCase() ?? "";
  return `${name}${EXTENSIONS[essence] ?? ""}`;
}

/**
 * Fetches a user-supplied http(s) URL without letting it reach internal addresses (see the threat model above).
 * Throws `UrlRefusedError` for a refused URL, address, size or time, `DocumentLoadError` for a failed fetch.
 */
export async function fetchUrl(options: FetchUrlOptions): Promise<FetchedUrl> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const allowAddress = options.allowAddress ?? isPublicAddress;
  const source = displayUrl(options.url);
  options.signal?.throwIfAborted();

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = (): void => controller.abort(options.signal!.reason);
  options.signal?.addEventListener("abort", onAbort, {once: true});

  let via = "";
  try {
    let text = options.url;
    for (let redirects = 0; ; redirects++) {
      const hop = await checkHop({text, source, via, allowAddress, signal: controller.signal});
      const response = await request(hop, controller.signal);
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        response.destroy();
        const location = response.headers.location;
        if (location == null) throw new DocumentLoadError(source, `HTTP ${status} without a Location header${via}`);
        if (redirects >= maxRedirects) throw new UrlRefusedError(source, `refused: more than ${maxRedirects} redirects`);
        try {
          text = new URL(location, hop.url).href;
        } catch {
          throw new UrlRefusedError(source, `refused: redirect to an invalid URL (${location.slice(0, 200)})`);
        }
        via = ` (redirected to ${displayUrl(text)})`;
        continue;
      }
      if (status < 200 || status > 299) {
        response.destroy();
        throw new DocumentLoadError(source, `HTTP ${status} ${response.statusMessage ?? ""}`.trimEnd() + via);
      }
      const contentType = response.headers["content-type"];
      const bytes = await readCapped({response, maxBytes, source, via});
      const name = fileName({url: hop.url, contentType, disposition: response.headers["content-disposition"]});
      return {url: hop.url.href, contentType, bytes, name};
    }
  } catch (error) {
    if (timedOut) throw new UrlRefusedError(source, `refused: no complete answer within ${timeoutMs} ms${via}`);
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof DocumentLoadError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DocumentLoadError(source, `request failed: ${code}${via}`, {cause: error});
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
