import {readFile} from "node:fs/promises";
import {createServer, type IncomingMessage, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";

/**
 * A local stand-in for the Hugging Face hub, answering the calls node-llama-cpp's resolver and downloader make:
 * `GET /v2/OWNER/REPO/manifests/TAG` (llama.cpp's manifest: which file a quantization is), `GET /api/models/OWNER/REPO`
 * (the repo's files; our error messages use it), and `GET|HEAD /OWNER/REPO/resolve/main/FILE` with byte ranges.
 * Unknown repos get 401 with `X-Error-Code: RepoNotFound`, as the real hub answers anonymous callers.
 */

export interface StubRepo {
  /** File name in the repo -> local file served for it. */
  readonly files: Readonly<Record<string, string>>;
  /** Requests without `Authorization: Bearer TOKEN` get 401 (a gated repo). */
  readonly token?: string;
}

export interface StubRequest {
  readonly method: string;
  readonly url: string;
  readonly range?: string;
}

export interface HubStub {
  readonly url: string;
  readonly requests: StubRequest[];
  /** Cut the socket halfway through the body of the next `count` ranged file responses. */
  cutNext(count: number): void;
  /** Stop sending (without closing) halfway through bodies of ranges starting at or after `fromByte`, until set to undefined. */
  stallFrom(fromByte: number | undefined): void;
  close(): Promise<void>;
}

const QUANT = /[-._](Q\d\w*?|IQ\d\w*?|F16|BF16|F32)(?:-\d{5}-of-\d{5})?\.gguf$/i;

export async function startHubStub(repos: Readonly<Record<string, StubRepo>>): Promise<HubStub> {
  const requests: StubRequest[] = [];
  let cuts = 0;
  let stallStart: number | undefined;
  const sockets = new Set<import("node:net").Socket>();

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, {"content-type": "application/json", ...headers});
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse): void => json(res, 401, {error: "Repository not found"}, {"x-error-code": "RepoNotFound"});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stub");
    requests.push({method: req.method ?? "GET", url: url.pathname + url.search, range: req.headers.range});
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const lookup = (owner: string, repo: string): StubRepo | undefined => repos[`${owner}/${repo}`];
    const authorized = (repo: StubRepo): boolean => repo.token == null || req.headers.authorization === `Bearer ${repo.token}`;

    if (parts[0] === "v2" && parts[3] === "manifests") {
      const repo = lookup(parts[1]!, parts[2]!);
      if (repo == null) return notFound(res);
      if (!authorized(repo)) return json(res, 401, {error: "gated"}, {"x-error-code": "GatedRepo"});
      const tag = parts[4]!.toUpperCase();
      const file = Object.keys(repo.files).find((name) => QUANT.exec(name)?.[1]?.toUpperCase() === (tag === "LATEST" ? "Q4_K_M" : tag));
      if (file == null) return json(res, 400, {error: `The specified tag is not available in the repository`});
      return json(res, 200, {ggufFile: {rfilename: file}});
    }
    if (parts[0] === "api" && parts[1] === "models") {
      const repo = lookup(parts[2]!, parts[3]!);
      if (repo == null) return notFound(res);
      if (!authorized(repo)) return json(res, 401, {error: "gated"}, {"x-error-code": "GatedRepo"});
      return json(res, 200, {id: `${parts[2]}/${parts[3]}`, siblings: Object.keys(repo.files).map((rfilename) => ({rfilename}))});
    }
    if (parts[2] === "resolve") {
      const repo = lookup(parts[0]!, parts[1]!);
      if (repo == null) return notFound(res);
      if (!authorized(repo)) return json(res, 401, {error: "gated"}, {"x-error-code": "GatedRepo"});
      const path = repo.files[parts.slice(4).join("/")];
      if (path == null) return json(res, 404, {error: "Entry not found"}, {"x-error-code": "EntryNotFound"});
      const bytes = await readFile(path);
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      const start = range == null ? 0 : Number(range[1]);
      const end = range == null || range[2] === "" ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
      const body = bytes.subarray(start, end + 1);
      const headers: Record<string, string> = {"accept-ranges": "bytes", "content-length": String(body.length), "content-type": "application/octet-stream"};
      if (range != null) headers["content-range"] = `bytes ${start}-${end}/${bytes.length}`;
      res.writeHead(range == null ? 200 : 206, headers);
      if (req.method === "HEAD") return void res.end();
      const half = Math.floor(body.length / 2);
      if (range != null && cuts > 0) {
        cuts--;
        res.write(body.subarray(0, half), () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      if (range != null && stallStart != null && start >= stallStart) {
        res.write(body.subarray(0, half));
        return;
      }
      res.end(body);
      return;
    }
    json(res, 404, {error: "not found"});
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) json(res, 500, {error: error.message});
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutNext(count) {
      cuts = count;
    },
    stallFrom(fromByte) {
      stallStart = fromByte;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    }
  };
}
