/**
 * Run by test/offline.model.test.ts under strace inside a network namespace: `h2ogpt serve` with the built-in
 * model (the CLI's own code, in this process), then a chat through the OpenAI API and h2oGPT's API, and the web
 * UI's page with every file it loads, as a browser would fetch them. Exits 0 when all answered; any failure is one
 * line on stderr and exit code 1. Extra arguments go to serve.
 */
import {main} from "../../src/cli/main.js";
import {memoryIo} from "../support/memory-io.js";

const io = memoryIo({cwd: process.cwd()});
const running = main(["serve", "--port=0", ...process.argv.slice(2)], io);

async function check(what: string, response: Response): Promise<string> {
  const body = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${body.slice(0, 200)}`);
  return body;
}

async function post(url: string, body: object): Promise<string> {
  return check(`POST ${url}`, await fetch(url, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)}));
}

async function ask(base: string): Promise<void> {
  const chat = JSON.parse(await post(`${base}/v1/chat/completions`, {messages: [{role: "user", content: "Who are you?"}], max_tokens: 16})) as {choices: {message: {content: string}}[]};
  if (chat.choices[0]?.message.content == null) throw new Error("/v1/chat/completions: no answer");
  const generated = JSON.parse(await post(`${base}/api/generate`, {instruction: "What can you do?", max_new_tokens: 16})) as {response?: string};
  if (typeof generated.response !== "string") throw new Error("/api/generate: no response");
  const page = await check("GET /", await fetch(`${base}/`));
  // What the page loads: its scripts, stylesheets and icon, each from the server itself.
  const loads = [...page.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  if (loads.length === 0) throw new Error("GET /: the page loads no file (is the UI built?)");
  for (const path of loads) {
    const url = new URL(path, base);
    if (url.origin !== new URL(base).origin) throw new Error(`GET /: the page loads ${url.href}, which is not on the server`);
    await check(`GET ${url.pathname}`, await fetch(url));
  }
}

try {
  const base = await new Promise<string>((resolve, reject) => {
    io.stdout.on("data", () => {
      const url = /h2ogpt serve: (http:\/\/\S+) /.exec(io.out())?.[1];
      if (url != null) resolve(url);
    });
    void running.then((code) => reject(new Error(`serve exited with ${code} before listening: ${io.err().trim()}`)));
  });
  await ask(base);
  io.interrupt();
  const code = await running;
  if (code !== 0) throw new Error(`serve exited with ${code}: ${io.err().trim()}`);
  process.stdout.write(io.out());
  process.stderr.write(io.err());
} catch (error) {
  process.stderr.write(`${io.err()}serve-and-ask: ${(error as Error).message}\n`);
  process.exitCode = 1;
  io.interrupt();
}
