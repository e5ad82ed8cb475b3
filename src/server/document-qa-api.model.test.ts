import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import OpenAI from "openai";
import type {ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, CompletionCreateParamsNonStreaming} from "openai/resources";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {CollectionManager} from "../docs/index.js";
import {unavailableOcr} from "../docs/loaders/test-fixtures/loader-fixtures.js";
import {createEngine} from "../engine/index.js";
import {engineModel, startServer, type RunningServer} from "./index.js";

/**
 * Document Q&A over a real socket with the built-in model (issue 11): uploads over multipart, /api/generate and
 * the `openai` client with h2oGPT's fields as extra body keys (the client forwards unknown keys as they are), and
 * two API-key users who cannot see each other's documents.
 */

const ALICE = "sk-alice-0123456789abcdef";
const BOB = "sk-bob-0123456789abcdefgh";

const PRE_PROMPT_QUERY =
  "Pay attention and remember the information below, which will help to answer the question or imperative after the context ends.";
const PROMPT_QUERY =
  'According to only the information in any chat history, any images given, or any document text provided within the context above, give a well-structured response (that starts with "According to") to:';

const FILES = {
  "install.md": "# Installing\n\nInstall h2ogpt-ts with npm install -g h2ogpt-ts and run h2ogpt serve to start the server on port 7860.",
  "upload.txt": "Upload documents in the Documents panel; each file shows its progress and any failure with the reason.",
  "license.txt": "The project is released under the Apache 2.0 license, the same license h2oGPT uses."
} as const;
const QUESTION = "Which license is the project released under?";

type Source = {source: string; page: number | null; chunk_id: number; score: number; content: string; document_id: number; chunk_row_id: number; title: string | null};
type WithSources = {sources?: Source[]; langchain_mode?: string; langchain_action?: string; chunks_used?: number};

const dir = mkdtempSync(join(tmpdir(), "h2ogpt-docqa-serve-"));
let server: RunningServer;

const auth = (key: string, headers: Record<string, string> = {}): Record<string, string> => ({authorization: `Bearer ${key}`, ...headers});
const client = (key: string): OpenAI => new OpenAI({apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0});

async function post(key: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {method: "POST", headers: auth(key, {"content-type": "application/json"}), body: JSON.stringify(body)});
}

function form(files: Record<string, string | Uint8Array<ArrayBuffer>>, fields: Record<string, string> = {}): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  for (const [name, value] of Object.entries(files)) data.append("file", new Blob([typeof value === "string" ? new TextEncoder().encode(value) : value]), name);
  return data;
}

async function waitForJob(key: string, id: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${server.url}/api/documents/jobs/${id}`, {headers: auth(key)});
    expect(response.status).toBe(200);
    const body = await response.json();
    if (body.state !== "running") return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still running: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function uploadAndWait(key: string, files: Record<string, string | Uint8Array<ArrayBuffer>>, fields: Record<string, string> = {}): Promise<Record<string, any>> {
  const response = await fetch(`${server.url}/api/documents`, {method: "POST", headers: auth(key, {"x-requested-with": "h2ogpt"}), body: form(files, fields)});
  expect(response.status).toBe(202);
  const {job_id} = await response.json();
  return waitForJob(key, job_id);
}

describe("document Q&A over HTTP with the built-in model", () => {
  beforeAll(async () => {
    const engine = await createEngine({sequences: 1});
    const collections = new CollectionManager({persistDirectory: join(dir, "db"), ocr: unavailableOcr});
    server = await startServer({
      models: [engineModel({engine, name: "demo"})],
      port: 0,
      historyDb: join(dir, "history.db"),
      apiKeysEnv: `${ALICE},${BOB}`,
      collections,
      maxUploadBytes: 64 * 1024
    });
    const job = await uploadAndWait(ALICE, FILES, {langchain_mode: "UserData"});
    expect(job.state).toBe("done");
    expect(job.summary).toMatchObject({added: 3, failed: 0, documents: 3, failures: []});
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("/api/generate answers from UserData with sources from the right document and h2oGPT's prompt", async () => {
    const response = await post(BOB, "/api/generate", {instruction: QUESTION, langchain_mode: "UserData", max_new_tokens: 24, temperature: 0});
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({langchain_mode: "UserData", langchain_action: "Query", chunks_dropped: 0, model: "demo"});
    expect(body.sources[0]).toMatchObject({source: "license.txt", chunk_id: 0, page: null, content: FILES["license.txt"]});
    expect(body.chunks_used).toBe(body.sources.length);
    expect(body.prompt_raw).toContain(`${PRE_PROMPT_QUERY}\n<all_documents>\n`);
    expect(body.prompt_raw).toContain(`${FILES["license.txt"]}\n</all_documents>\n${PROMPT_QUERY}\n${QUESTION}`);
    expect(body.prompt_tokens).toBeGreaterThan(60);
    expect(typeof body.response).toBe("string");

    const events = (await (await post(BOB, "/api/generate_stream", {instruction: QUESTION, langchain_mode: "UserData", max_new_tokens: 24, temperature: 0})).text())
      .split("\n\n")
      .filter((block) => block.trim() !== "");
    const result = events.at(-1)!;
    expect(result.startsWith("event: result\n")).toBe(true);
    const streamed = JSON.parse(result.split("\n").find((line) => line.startsWith("data: "))!.slice(6));
    expect(streamed.response).toBe(body.response);
    expect(streamed.sources).toEqual(body.sources);

    const summary = await (await post(BOB, "/api/generate", {langchain_mode: "UserData", langchain_action: "Summarize", max_new_tokens: 16})).json();
    expect(summary).toMatchObject({langchain_mode: "UserData", langchain_action: "Summarize", chunks_used: 3});
    expect(summary.sources.map((s: Source) => s.source).sort()).toEqual(["install.md", "license.txt", "upload.txt"]);

    const unknown = await post(BOB, "/api/generate", {instruction: QUESTION, langchain_mode: "Manuals"});
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toBe("langchain_mode: no collection 'Manuals' (langchain_mode); there are: LLM, UserData, MyData");
  });

  it("the openai client gets sources with langchain_mode as an extra body field, streaming on the last chunk", async () => {
    const params: ChatCompletionCreateParamsNonStreaming & {langchain_mode: string; top_k_docs: number} = {
      model: "demo",
      messages: [{role: "user", content: QUESTION}],
      max_tokens: 24,
      temperature: 0,
      langchain_mode: "UserData",
      top_k_docs: 2
    };
    const completion = (await client(BOB).chat.completions.create(params)) as OpenAI.ChatCompletion & WithSources;
    expect(completion.langchain_mode).toBe("UserData");
    expect(completion.sources!.length).toBeGreaterThanOrEqual(1);
    expect(completion.sources!.length).toBeLessThanOrEqual(2);
    expect(completion.sources![0]).toMatchObject({source: "license.txt", content: FILES["license.txt"]});

    const chunks: (OpenAI.ChatCompletionChunk & WithSources)[] = [];
    for await (const chunk of await client(BOB).chat.completions.create({...params, stream: true} as ChatCompletionCreateParamsStreaming)) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(completion.choices[0]!.message.content);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).not.toBeNull();
    expect(chunks.at(-1)!.sources).toEqual(completion.sources);
    expect(chunks.slice(0, -1).filter((chunk) => chunk.sources != null)).toEqual([]);

    // On the wire: the chunk with the sources is the last before [DONE].
    const raw = await (await post(BOB, "/v1/chat/completions", {...params, stream: true})).text();
    const data = raw.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6));
    expect(data.at(-1)).toBe("[DONE]");
    expect(JSON.parse(data.at(-2)!).sources[0].source).toBe("license.txt");

    const completionParams: CompletionCreateParamsNonStreaming & {langchain_mode: string} = {model: "demo", prompt: QUESTION, max_tokens: 16, temperature: 0, langchain_mode: "UserData"};
    const text = (await client(BOB).completions.create(completionParams)) as OpenAI.Completion & WithSources;
    expect(text.langchain_mode).toBe("UserData");
    expect(text.sources![0]!.source).toBe("license.txt");

    const refused = await client(BOB)
      .chat.completions.create({...params, langchain_mode: "Manuals"} as ChatCompletionCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
  });

  it("uploads report failures per file and refuse what is too large; users do not see each other's documents", async () => {
    const secret = "The vault under the north tower opens with the combination four two seven nine.";
    const job = await uploadAndWait(ALICE, {"vault.txt": secret, "noise.bin": new Uint8Array(2048).map((_, i) => (i * 7919 + 13) % 256)});
    expect(job).toMatchObject({state: "done", langchain_mode: "MyData", files: ["vault.txt", "noise.bin"], error: null});
    expect(job.summary).toMatchObject({added: 1, failed: 1, documents: 1});
    expect(job.summary.failures).toEqual([{source: "noise.bin", reason: expect.stringMatching(/^unknown binary format \(\.bin\)/)}]);

    // Bob: the job is unknown, his MyData is empty, his answers cite nothing of Alice's.
    expect((await fetch(`${server.url}/api/documents/jobs/${job.job_id}`, {headers: auth(BOB)})).status).toBe(404);
    expect((await (await fetch(`${server.url}/api/collections/MyData/documents`, {headers: auth(BOB)})).json()).documents).toEqual([]);
    const question = "How does the vault under the north tower open?";
    const alice = await (await post(ALICE, "/api/generate", {instruction: question, langchain_mode: "MyData", max_new_tokens: 8})).json();
    expect(alice.sources.map((s: Source) => s.source)).toEqual(["vault.txt"]);
    const bob = await (await post(BOB, "/api/generate", {instruction: question, langchain_mode: "MyData", max_new_tokens: 8})).json();
    expect(bob).toMatchObject({langchain_mode: "MyData", sources: [], chunks_used: 0});
    expect(bob.prompt_raw).not.toContain("four two seven");
    const params: ChatCompletionCreateParamsNonStreaming & {langchain_mode: string} = {model: "demo", messages: [{role: "user", content: question}], max_tokens: 8, langchain_mode: "MyData"};
    expect(((await client(ALICE).chat.completions.create(params)) as OpenAI.ChatCompletion & WithSources).sources!.map((s) => s.source)).toEqual(["vault.txt"]);
    expect(((await client(BOB).chat.completions.create(params)) as OpenAI.ChatCompletion & WithSources).sources).toEqual([]);
    const {document_id, chunk_row_id} = alice.sources[0] as Source;
    expect((await fetch(`${server.url}/api/collections/MyData/documents/${document_id}`, {headers: auth(BOB)})).status).toBe(404);
    expect((await fetch(`${server.url}/api/collections/MyData/chunks/${chunk_row_id}`, {headers: auth(BOB)})).status).toBe(404);
    expect((await fetch(`${server.url}/api/collections/MyData/chunks/${chunk_row_id}`, {headers: auth(ALICE)})).status).toBe(200);

    // Over a real socket: a too-large upload is a 413, and the server keeps answering.
    const big = await fetch(`${server.url}/api/documents`, {method: "POST", headers: auth(ALICE, {"x-requested-with": "h2ogpt"}), body: form({"big.txt": "word ".repeat(20_000)})});
    expect(big.status).toBe(413);
    expect((await big.json()).error).toMatchObject({message: "upload larger than 65536 bytes", code: "body_too_large"});
    const none = await fetch(`${server.url}/api/documents`, {method: "POST", headers: auth(ALICE, {"x-requested-with": "h2ogpt"}), body: form({}, {langchain_mode: "MyData"})});
    expect(none.status).toBe(400);
    expect((await none.json()).error.message).toBe("file: give at least one file part");
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
