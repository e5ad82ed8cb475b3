import {createServer, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {main} from "./main.js";

/**
 * How `h2ogpt serve`'s flags become server options, end to end: `main(["serve", ...])` in-process, each flag's
 * effect checked over HTTP. The tiny llama fixture serves the access and limit flags; a scripted OpenAI-compatible
 * server on 127.0.0.1 stands behind --inference_server.
 */

const KEY = "sk-serve-flags-0123456789";
const ORIGIN = "https://app.example";
const TEMPLATE =
  "{% for message in messages %}[{{ message['role'] }}] {{ message['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-serve-flags-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** Starts `h2ogpt serve` with `flags`; resolves with its address once it prints it, and a stop that awaits exit 0. */
async function serve(flags: string[]): Promise<{url: string; stop: () => Promise<void>}> {
  const io = memoryIo({cwd: dir});
  const running = main(["serve", "--port=0", "--history_db=history.db", "--persist_directory=db", ...flags], io);
  const url = await new Promise<string>((resolve, reject) => {
    const found = (): void => {
      const match = /h2ogpt serve: (http:\/\/\S+) /.exec(io.out());
      if (match != null) resolve(match[1]!);
    };
    io.stdout.on("data", found);
    found();
    void running.then((code) => reject(new Error(`serve exited with ${code}: ${io.err()}`)));
  });
  return {
    url,
    stop: async () => {
      io.interrupt();
      expect(await running, io.err()).toBe(0);
    }
  };
}

const bearer = {authorization: `Bearer ${KEY}`, "content-type": "application/json"};

describe.skipIf(tinyLlamaPath == null)("h2ogpt serve's flags, over HTTP", () => {
  it("--auth, --api_keys, --cors_origins, --max_max_new_tokens, --max_body_bytes and --chat_template take effect", async () => {
    await writeFile(join(dir, "auth.json"), JSON.stringify({alice: {password: "wonderland"}}));
    await writeFile(join(dir, "keys.txt"), `${KEY}\n`);
    await writeFile(join(dir, "template.jinja"), TEMPLATE);
    const server = await serve([
      `--base_model=${tinyLlamaPath}`,
      "--auth=auth.json",
      "--api_keys=keys.txt",
      `--cors_origins=${ORIGIN}`,
      "--max_max_new_tokens=16",
      "--max_body_bytes=4000",
      "--chat_template=template.jinja"
    ]);
    try {
      const {url} = server;
      // --auth and --api_keys: nothing without credentials, a bearer key works, and so does alice's password.
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${url}/v1/models`, {headers: {authorization: "Bearer sk-wrong-key-0123456789"}})).status).toBe(401);
      expect((await fetch(`${url}/v1/models`, {headers: bearer})).status).toBe(200);
      const login = await fetch(`${url}/auth/login`, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({username: "alice", password: "wonderland"})});
      expect(login.status).toBe(200);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      expect((await fetch(`${url}/api/chats`, {headers: {cookie}})).status).toBe(200);
      const wrong = await fetch(`${url}/auth/login`, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({username: "alice", password: "nope"})});
      expect(wrong.status).toBe(401);

      // --cors_origins: the listed origin gets the CORS headers, another does not.
      const preflight = await fetch(`${url}/v1/chat/completions`, {method: "OPTIONS", headers: {origin: ORIGIN, "access-control-request-method": "POST"}});
      expect(preflight.headers.get("access-control-allow-origin")).toBe(ORIGIN);
      const listed = await fetch(`${url}/v1/models`, {headers: {...bearer, origin: ORIGIN}});
      expect(listed.headers.get("access-control-allow-origin")).toBe(ORIGIN);
      const other = await fetch(`${url}/v1/models`, {headers: {...bearer, origin: "https://elsewhere.example"}});
      expect(other.headers.get("access-control-allow-origin")).toBeNull();

      // --max_max_new_tokens: 16 is allowed, 17 is refused.
      const ask = (maxTokens: number): Promise<Response> =>
        fetch(`${url}/v1/chat/completions`, {method: "POST", headers: bearer, body: JSON.stringify({messages: [{role: "user", content: "Hi"}], max_tokens: maxTokens})});
      expect((await ask(16)).status).toBe(200);
      const tooMany = await ask(17);
      expect(tooMany.status).toBe(400);
      expect((await tooMany.json()).error.message).toContain("--max_max_new_tokens");

      // --max_body_bytes: a body over 4000 bytes is a 413.
      const big = await fetch(`${url}/v1/chat/completions`, {method: "POST", headers: bearer, body: JSON.stringify({messages: [{role: "user", content: "x".repeat(5000)}]})});
      expect(big.status).toBe(413);

      // --chat_template renders the prompt.
      const generated = await fetch(`${url}/api/generate`, {method: "POST", headers: bearer, body: JSON.stringify({instruction: "Who are you?", max_new_tokens: 2})});
      expect(generated.status).toBe(200);
      expect((await generated.json()).prompt_raw).toBe("[user] Who are you?\n[assistant]");
    } finally {
      await server.stop();
    }
  });
});

describe("h2ogpt serve --inference_server", () => {
  let stub: Server;
  let stubPort: number;
  /** Streams wait here until the test lets them finish. */
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    stub = createServer((request, response) => {
      let raw = "";
      request.on("data", (chunk) => (raw += chunk));
      request.on("end", () => {
        if (request.url === "/v1/models") {
          response.writeHead(200, {"content-type": "application/json"});
          response.end(JSON.stringify({object: "list", data: [{id: "stub-model", max_model_len: 2048}]}));
        } else if (request.url === "/v1/completions") {
          response.writeHead(200, {"content-type": "text/event-stream"});
          response.write(`data: ${JSON.stringify({choices: [{index: 0, text: "from the stub", finish_reason: null}]})}\n\n`);
          held.push(response);
        } else {
          response.writeHead(404, {"content-type": "application/json"});
          response.end(JSON.stringify({error: {message: `no route ${request.url}`}}));
        }
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    stubPort = (stub.address() as AddressInfo).port;
  });
  afterAll(async () => {
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  const finish = (response: ServerResponse): void => {
    response.write(`data: ${JSON.stringify({choices: [{index: 0, text: "", finish_reason: "stop"}]})}\n\n`);
    response.end("data: [DONE]\n\n");
  };

  it("serves the remote model, with --concurrency and --max_queue limiting requests to it", async () => {
    const server = await serve([`--inference_server=vllm:127.0.0.1:${stubPort}`, "--prompt_type=plain", "--concurrency=1", "--max_queue=0"]);
    try {
      const {url} = server;
      const models = await (await fetch(`${url}/v1/models`)).json();
      expect(models.data.map((model: {id: string}) => model.id)).toEqual(["stub-model"]);

      const body = JSON.stringify({messages: [{role: "user", content: "Hi"}], max_tokens: 8, stream: true});
      const first = await fetch(`${url}/v1/chat/completions`, {method: "POST", headers: {"content-type": "application/json"}, body});
      expect(first.status).toBe(200);
      await vi.waitFor(() => expect(held).toHaveLength(1));
      // One generation at once and no queue: a second request is refused while the first streams.
      const second = await fetch(`${url}/v1/chat/completions`, {method: "POST", headers: {"content-type": "application/json"}, body});
      expect(second.status).toBe(429);
      expect((await second.json()).error.code).toBe("queue_full");
      finish(held.shift()!);
      const streamed = await first.text();
      expect(streamed).toContain("from the stub");
      expect(streamed.trimEnd().endsWith("data: [DONE]")).toBe(true);
    } finally {
      for (const response of held.splice(0)) finish(response);
      await server.stop();
    }
  });
});
