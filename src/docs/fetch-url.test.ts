import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo, Socket} from "node:net";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {DocumentLoadError, UrlRefusedError} from "./docs-errors.js";
import {fetchUrl} from "./fetch-url.js";

/** Names the tests resolve by hand: `rebind.test` answers 127.0.0.2 first and 127.0.0.1 after (DNS rebinding). */
const fakeDns = vi.hoisted(() => ({rebindCalls: 0}));

vi.mock("node:dns/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:dns/promises")>();
  const lookup = async (hostname: string, options: object): Promise<unknown> => {
    if (hostname === "rebind.test") {
      fakeDns.rebindCalls++;
      return [{address: fakeDns.rebindCalls === 1 ? "127.0.0.2" : "127.0.0.1", family: 4}];
    }
    if (hostname === "mixed.test") {
      return [
        {address: "127.0.0.2", family: 4},
        {address: "127.0.0.1", family: 4}
      ];
    }
    return actual.lookup(hostname, options as never);
  };
  return {...actual, lookup, default: {...actual, lookup}};
});

const allowTest = (ip: string): boolean => ip === "127.0.0.2";

let inside: Server;
let outside: Server;
let insidePort = 0;
let outsidePort = 0;
const sockets = new Set<Socket>();
let base = "";

function handle(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? "/";
  if (path === "/") {
    response.writeHead(200, {"content-type": "text/html; charset=utf-8"});
    response.end("<html><title>Home</title></html>");
  } else if (path === "/doc.txt") {
    response.writeHead(200, {"content-type": "text/plain"});
    response.end("hello from 127.0.0.2");
  } else if (path === "/report?id=3") {
    response.writeHead(200, {"content-type": "application/pdf"});
    response.end("%PDF-1.4 fake");
  } else if (path === "/download") {
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-disposition": 'attachment; filename="../../etc/notes.md"'
    });
    response.end("# Notes");
  } else if (path === "/download-utf8") {
    response.writeHead(200, {"content-disposition": "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"});
    response.end("cv");
  } else if (path === "/headers") {
    response.writeHead(200, {"content-type": "application/json"});
    response.end(JSON.stringify({host: request.headers.host, agent: request.headers["user-agent"]}));
  } else if (path === "/to-doc") {
    response.writeHead(301, {location: "/doc.txt"});
    response.end();
  } else if (path === "/to-loopback") {
    response.writeHead(302, {location: `http://127.0.0.1:${outsidePort}/secret`});
    response.end();
  } else if (path === "/to-file") {
    response.writeHead(307, {location: "file:///etc/passwd"});
    response.end();
  } else if (path.startsWith("/loop")) {
    const n = Number(path.slice("/loop".length) || "0");
    response.writeHead(302, {location: `/loop${n + 1}`});
    response.end();
  } else if (path === "/big-declared") {
    response.writeHead(200, {"content-type": "text/plain", "content-length": "2000"});
    response.end("x".repeat(2000));
  } else if (path === "/big-chunked") {
    response.writeHead(200, {"content-type": "text/plain"});
    let sent = 0;
    const timer = setInterval(() => {
      if (response.destroyed || sent >= 20) {
        clearInterval(timer);
        response.end();
        return;
      }
      response.write("y".repeat(500));
      sent++;
    }, 5);
  } else if (path === "/exact") {
    response.writeHead(200, {"content-type": "text/plain"});
    response.write("z".repeat(600));
    response.end("z".repeat(400));
  } else if (path === "/slow") {
    response.writeHead(200, {"content-type": "text/plain"});
    response.write("first bytes, then nothing");
  } else if (path === "/missing") {
    response.writeHead(404);
    response.end("nope");
  } else {
    response.writeHead(500);
    response.end();
  }
}

function listen(server: Server, host: string): Promise<number> {
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  inside = createServer(handle);
  outside = createServer((_request, response) => {
    response.writeHead(200, {"content-type": "text/plain"});
    response.end("internal secret");
  });
  insidePort = await listen(inside, "127.0.0.2");
  outsidePort = await listen(outside, "127.0.0.1");
  base = `http://127.0.0.2:${insidePort}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([inside, outside].map((server) => new Promise((resolve) => server.close(resolve))));
});

async function refusal(promise: Promise<unknown>): Promise<DocumentLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

describe("fetchUrl", () => {
  it("fetches a body with its content type and a name from the path", async () => {
    const result = await fetchUrl({url: `${base}/doc.txt`, allowAddress: allowTest});
    expect(result).toEqual({
      url: `${base}/doc.txt`,
      contentType: "text/plain",
      bytes: new TextEncoder().encode("hello from 127.0.0.2"),
      name: "doc.txt"
    });
  });

  it("names a body by its content type when the path has no extension", async () => {
    expect((await fetchUrl({url: `${base}/`, allowAddress: allowTest})).name).toBe("index.html");
    const pdf = await fetchUrl({url: `${base}/report?id=3`, allowAddress: allowTest});
    expect(pdf.name).toBe("report.pdf");
    expect(pdf.contentType).toBe("application/pdf");
  });

  it("takes Content-Disposition's file name, without its directories", async () => {
    expect((await fetchUrl({url: `${base}/download`, allowAddress: allowTest})).name).toBe("notes.md");
    expect((await fetchUrl({url: `${base}/download-utf8`, allowAddress: allowTest})).name).toBe("résumé.txt");
  });

  it("sends its User-Agent and the URL's host name", async () => {
    const result = await fetchUrl({url: `${base}/headers`, allowAddress: allowTest});
    expect(JSON.parse(new TextDecoder().decode(result.bytes))).toEqual({
      host: `127.0.0.2:${insidePort}`,
      agent: "h2ogpt-ts"
    });
  });

  it("connects to the address it checked, not to a later DNS answer (rebinding)", async () => {
    fakeDns.rebindCalls = 0;
    const result = await fetchUrl({url: `http://rebind.test:${insidePort}/headers`, allowAddress: allowTest});
    expect(JSON.parse(new TextDecoder().decode(result.bytes))).toEqual({
      host: `rebind.test:${insidePort}`,
      agent: "h2ogpt-ts"
    });
    expect(fakeDns.rebindCalls).toBe(1);
  });

  it("refuses a host when any of its addresses is not allowed", async () => {
    const error = await refusal(fetchUrl({url: `http://mixed.test:${insidePort}/doc.txt`, allowAddress: allowTest}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.reason).toBe("refused: 127.0.0.1 is a loopback address");
  });

  it.each([
    ["http://127.0.0.1:PORT/x", "http://127.0.0.1:PORT/x", "127.0.0.1 is a loopback address"],
    ["http://[::1]:PORT/x", "http://[::1]:PORT/x", "::1 is a loopback address"],
    ["http://0x7f000001:PORT/x", "http://127.0.0.1:PORT/x", "127.0.0.1 is a loopback address"],
    ["http://2130706433:PORT/x", "http://127.0.0.1:PORT/x", "127.0.0.1 is a loopback address"],
    [
      "http://[::ffff:127.0.0.1]:PORT/x",
      "http://[::ffff:7f00:1]:PORT/x",
      "::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1 (a loopback address)"
    ],
    [
      "http://169.254.169.254/latest/meta-data/",
      "http://169.254.169.254/latest/meta-data/",
      "169.254.169.254 is a cloud metadata address"
    ],
    ["http://10.0.0.1/", "http://10.0.0.1/", "10.0.0.1 is a private address"]
  ])("refuses %s with the default policy", async (url, shown, why) => {
    const port = String(outsidePort);
    const error = await refusal(fetchUrl({url: url.replace("PORT", port)}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.message).toBe(`${shown.replace("PORT", port)}: refused: ${why}`);
  });

  it("refuses localhost, whichever loopback address it resolves to", async () => {
    const error = await refusal(fetchUrl({url: `http://localhost:${outsidePort}/x`}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.reason).toMatch(/^refused: (127\.\d+\.\d+\.\d+|::1) is a loopback address$/);
  });

  it.each(["file:///etc/passwd", "ftp://example.com/file.txt", "gopher://127.0.0.2/", "data:text/plain,hi"])(
    "refuses %s: not http(s)",
    async (url) => {
      const error = await refusal(fetchUrl({url, allowAddress: allowTest}));
      expect(error).toBeInstanceOf(UrlRefusedError);
      expect(error.reason).toBe("only http and https URLs are fetched");
    }
  );

  it("refuses credentials in the URL without repeating them", async () => {
    const error = await refusal(fetchUrl({url: `http://user:hunter2@127.0.0.2:${insidePort}/`, allowAddress: allowTest}));
    expect(error.message).toBe(
      `http://127.0.0.2:${insidePort}/: refused: URLs with credentials (user:password@) are not fetched`
    );
  });

  it("refuses text that is not a URL", async () => {
    const error = await refusal(fetchUrl({url: "not a url", allowAddress: allowTest}));
    expect(error.message).toBe("not a url: refused: not a valid URL");
  });

  it("follows a redirect and reports the final URL", async () => {
    const result = await fetchUrl({url: `${base}/to-doc`, allowAddress: allowTest});
    expect(result.url).toBe(`${base}/doc.txt`);
    expect(new TextDecoder().decode(result.bytes)).toBe("hello from 127.0.0.2");
  });

  it("refuses a redirect to loopback at the redirect", async () => {
    const error = await refusal(fetchUrl({url: `${base}/to-loopback`, allowAddress: allowTest}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.message).toBe(
      `${base}/to-loopback: refused: 127.0.0.1 is a loopback address ` +
        `(redirected to http://127.0.0.1:${outsidePort}/secret)`
    );
  });

  it("refuses a redirect to a file: URL", async () => {
    const error = await refusal(fetchUrl({url: `${base}/to-file`, allowAddress: allowTest}));
    expect(error.reason).toBe("only http and https URLs are fetched (redirected to file:///etc/passwd)");
  });

  it("caps a redirect loop", async () => {
    const error = await refusal(fetchUrl({url: `${base}/loop`, allowAddress: allowTest, maxRedirects: 3}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.reason).toBe("refused: more than 3 redirects");
    const defaults = await refusal(fetchUrl({url: `${base}/loop`, allowAddress: allowTest}));
    expect(defaults.reason).toBe("refused: more than 5 redirects");
  });

  it("refuses a body whose Content-Length is over the cap", async () => {
    const error = await refusal(fetchUrl({url: `${base}/big-declared`, allowAddress: allowTest, maxBytes: 1000}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.reason).toBe("refused: larger than 1000 bytes (Content-Length 2000)");
  });

  it("refuses a streamed body once it passes the cap", async () => {
    const error = await refusal(fetchUrl({url: `${base}/big-chunked`, allowAddress: allowTest, maxBytes: 1000}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.reason).toBe("refused: larger than 1000 bytes");
  });

  it("accepts a body of exactly the cap", async () => {
    const result = await fetchUrl({url: `${base}/exact`, allowAddress: allowTest, maxBytes: 1000});
    expect(result.bytes.length).toBe(1000);
  });

  it("gives up on a slow server at the time cap", async () => {
    const started = Date.now();
    const error = await refusal(fetchUrl({url: `${base}/slow`, allowAddress: allowTest, timeoutMs: 300}));
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect(error.reason).toBe("refused: no complete answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("stops when the caller aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    setTimeout(() => controller.abort(reason), 50);
    await expect(fetchUrl({url: `${base}/slow`, allowAddress: allowTest, signal: controller.signal})).rejects.toBe(
      reason
    );
  });

  it("reports a non-2xx status", async () => {
    const error = await refusal(fetchUrl({url: `${base}/missing`, allowAddress: allowTest}));
    expect(error).not.toBeInstanceOf(UrlRefusedError);
    expect(error.message).toBe(`${base}/missing: HTTP 404 Not Found`);
  });

  it("reports a refused connection", async () => {
    const closed = createServer();
    const port = await listen(closed, "127.0.0.2");
    await new Promise((resolve) => closed.close(resolve));
    const error = await refusal(fetchUrl({url: `http://127.0.0.2:${port}/`, allowAddress: allowTest}));
    expect(error.reason).toBe("request failed: ECONNREFUSED");
  });
});
