import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import OpenAI from "openai";
import type {ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, CompletionCreateParamsNonStreaming} from "openai/resources";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {jsonInit, makeHarness, readSse, type Harness} from "../../test/server/app-harness.js";
import {CollectionManager} from "../docs/index.js";
import {unavailableOcr} from "../docs/loaders/test-fixtures/loader-fixtures.js";
import {loadApiKeys} from "./api-keys.js";
import {engineModel} from "./engine-model.js";
import {hashPassword} from "./password-hash.js";

/**
 * Document Q&A over the HTTP API (issue 11), in-process: a served model on the real generate stage (FakeEngine
 * underneath), so retrieval, h2oGPT's document prompts and the sources are the real ones.
 */

const ALICE = "sk-alice-0123456789abcdef";
const BOB = "sk-bob-0123456789abcdefgh";

// h2oGPT's texts, spelled out so a drift in the server's templates fails here too.
const PRE_PROMPT_QUERY =
  "Pay attention and remember the information below, which will help to answer the question or imperative after the context ends.";
const PROMPT_QUERY =
  'According to only the information in any chat history, any images given, or any document text provided within the context above, give a well-structured response (that starts with "According to") to:';
const PRE_PROMPT_SUMMARY = "In order to write a concise summary, pay attention to the following text.";
const PROMPT_SUMMARY =
  "Using only the information in the document sources above, write a condensed and concise well-structured Markdown summary of key results.";

const FILES = {
  "vacation.txt": "Employees may carry over five vacation days into the next calendar year.",
  "cafeteria.txt": "The cafeteria opens at seven thirty every weekday morning.",
  "parking.txt": "Parking permits are renewed every March at the security desk."
} as const;
const QUESTION = "How many vacation days carry over?";
const ANSWER = ["According", " to", " the", " policy,", " five."];

const encode = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

let dir: string;
let collections: CollectionManager;
let engine: FakeEngine;
let harness: Harness;

const as = (key: string, init: RequestInit = {}): RequestInit => ({...init, headers: {...(init.headers as Record<string, string>), authorization: `Bearer ${key}`}});

function openai(key: string): OpenAI {
  return new OpenAI({apiKey: key, baseURL: "http://127.0.0.1:7860/v1", fetch: (input, init) => harness.fetch(input as string, init), maxRetries: 0});
}

async function generate(key: string, body: Record<string, unknown>, path = "/api/generate"): Promise<Response> {
  return harness.fetch(path, as(key, jsonInit({max_new_tokens: 16, ...body})));
}

function uploadForm(files: Record<string, Uint8Array<ArrayBuffer> | string>, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [name, bytes] of Object.entries(files)) form.append("file", new Blob([typeof bytes === "string" ? encode(bytes) : bytes]), name);
  return form;
}

async function upload(key: string, form: FormData, headers: Record<string, string> = {"x-requested-with": "h2ogpt"}): Promise<Response> {
  return harness.fetch("/api/documents", as(key, {method: "POST", headers, body: form}));
}

interface JobBody {
  job_id: string;
  state: string;
  langchain_mode: string;
  files: string[];
  progress: unknown;
  summary: {added: number; updated: number; unchanged: number; failed: number; documents: number; chunks: number; failures: {source: string; reason: string}[]} | null;
  error: string | null;
}

/** Polls the job until it leaves "running" (a deadline, not a fixed sleep). */
async function waitForJob(key: string, id: string): Promise<JobBody> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await harness.fetch(`/api/documents/jobs/${id}`, as(key));
    expect(response.status).toBe(200);
    const body = (await response.json()) as JobBody;
    if (body.state !== "running") return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still running: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function uploadAndWait(key: string, files: Record<string, Uint8Array<ArrayBuffer> | string>, fields: Record<string, string> = {}): Promise<JobBody> {
  const response = await upload(key, uploadForm(files, fields));
  expect(response.status).toBe(202);
  const {job_id} = (await response.json()) as {job_id: string};
  return waitForJob(key, job_id);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-docqa-api-"));
  collections = new CollectionManager({persistDirectory: join(dir, "db"), ocr: unavailableOcr});
  engine = new FakeEngine({script: ANSWER});
  const apiKeys = loadApiKeys({env: `${ALICE},${BOB}`});
  harness = makeHarness({models: [engineModel({engine, name: "fake", promptType: "plain"})], apiKeys, collections, maxUploadBytes: 4096});
  await collections.ingest({user: "", name: "UserData", inputs: Object.entries(FILES).map(([name, text]) => ({name, bytes: encode(text)}))});
});

afterEach(async () => {
  await collections.close();
  harness.store.close();
  await rm(dir, {recursive: true, force: true});
});

type Source = {source: string; page: number | null; chunk_id: number; score: number; content: string; document_id: number; chunk_row_id: number; title: string | null};

describe("/api/generate and /api/generate_stream with langchain_mode", () => {
  it("answers from UserData with sources from the right document and h2oGPT's query prompt", async () => {
    const response = await generate(ALICE, {instruction: QUESTION, langchain_mode: "UserData"});
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.response).toBe("According to the policy, five.");
    expect(body).toMatchObject({langchain_mode: "UserData", langchain_action: "Query", chunks_dropped: 0});
    expect(body.note).toBeUndefined();
    const sources = body.sources as Source[];
    expect(sources.length).toBeGreaterThanOrEqual(1);
    expect(body.chunks_used).toBe(sources.length);
    expect(sources[0]).toMatchObject({source: "vacation.txt", page: null, chunk_id: 0, content: FILES["vacation.txt"]});
    expect(Object.keys(sources[0]!).sort()).toEqual(["chunk_id", "chunk_row_id", "content", "document_id", "page", "score", "source", "title"]);
    expect(sources[0]!.score).toBeGreaterThan(0);
    expect(sources[0]!.score).toBeLessThanOrEqual(1);
    for (let i = 1; i < sources.length; i++) expect(sources[i]!.score).toBeLessThanOrEqual(sources[i - 1]!.score);
    // best_near_prompt: the best chunk sits right before the question.
    expect(body.prompt_raw).toContain(`${PRE_PROMPT_QUERY}\n<all_documents>\n`);
    expect(body.prompt_raw).toContain(`${FILES["vacation.txt"]}\n</all_documents>\n${PROMPT_QUERY}\n${QUESTION}`);
    // What the engine was sent is the prompt reported.
    expect(engine.calls.at(-1)!.prompt).toBe(body.prompt_raw);

    // The document and the chunk it cites are readable for the viewer.
    const document = await (await harness.fetch(`/api/collections/UserData/documents/${sources[0]!.document_id}`, as(ALICE))).json();
    expect(document).toMatchObject({id: sources[0]!.document_id, source: "vacation.txt"});
    const chunk = await (await harness.fetch(`/api/collections/UserData/chunks/${sources[0]!.chunk_row_id}`, as(ALICE))).json();
    expect(chunk).toMatchObject({source: "vacation.txt", chunk_id: 0, content: FILES["vacation.txt"], chunk_row_id: sources[0]!.chunk_row_id});
  });

  it("restricts to document_choice and orders best_first on request", async () => {
    const body = await (
      await generate(ALICE, {instruction: "When does the cafeteria open and where are parking permits renewed?", langchain_mode: "UserData", document_choice: ["parking.txt"], docs_ordering_type: "best_first"})
    ).json();
    expect((body.sources as Source[]).map((s) => s.source)).toEqual(["parking.txt"]);
    expect(body.prompt_raw).toContain(`<all_documents>\n${FILES["parking.txt"]}\n</all_documents>`);
    expect(body.prompt_raw).not.toContain(FILES["cafeteria.txt"]);
  });

  it("streams deltas, then the sources in the result event", async () => {
    const response = await generate(ALICE, {instruction: QUESTION, langchain_mode: "UserData"}, "/api/generate_stream");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readSse(response);
    expect(events.map((e) => e.event)).toEqual([...ANSWER.map(() => "delta"), "result"]);
    expect(events.filter((e) => e.event === "delta").map((e) => JSON.parse(e.data).text).join("")).toBe("According to the policy, five.");
    const result = JSON.parse(events.at(-1)!.data);
    expect(result).toMatchObject({response: "According to the policy, five.", langchain_mode: "UserData", langchain_action: "Query"});
    expect(result.sources[0]).toMatchObject({source: "vacation.txt", chunk_id: 0, content: FILES["vacation.txt"]});
    expect(result.prompt_raw).toContain("<all_documents>");
  });

  it("summarizes a collection with no instruction, with h2oGPT's summary prompt", async () => {
    const response = await generate(ALICE, {langchain_mode: "UserData", langchain_action: "Summarize"});
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({response: "According to the policy, five.", langchain_mode: "UserData", langchain_action: "Summarize", chunks_used: 3, chunks_dropped: 0});
    expect((body.sources as Source[]).map((s) => s.source).sort()).toEqual(["cafeteria.txt", "parking.txt", "vacation.txt"]);
    expect(body.prompt_raw).toContain(`${PRE_PROMPT_SUMMARY}\n<all_documents>\n`);
    expect(body.prompt_raw).toContain(`\n</all_documents>\n${PROMPT_SUMMARY}\n`);
    for (const text of Object.values(FILES)) expect(body.prompt_raw).toContain(text);
    // An instruction focuses it, as h2oGPT's "Focusing on <query>, ...".
    const focused = await (await generate(ALICE, {instruction: "parking", langchain_mode: "UserData", langchain_action: "Summarize"})).json();
    expect(focused.prompt_raw).toContain(`</all_documents>\nFocusing on parking, ${PROMPT_SUMMARY}\n`);
  });

  it("refuses a langchain_mode naming no collection with a 400 listing those there are", async () => {
    const response = await generate(ALICE, {instruction: QUESTION, langchain_mode: "NoSuchCollection"});
    expect(response.status).toBe(400);
    expect((await response.json()).error).toEqual({
      message: "langchain_mode: no collection 'NoSuchCollection' (langchain_mode); there are: LLM, UserData, MyData",
      type: "invalid_request_error",
      param: "langchain_mode",
      code: "collection_not_found"
    });
    expect(engine.calls).toHaveLength(0);
  });

  it("refuses document fields without langchain_mode", async () => {
    for (const [field, value] of [
      ["langchain_action", "Summarize"],
      ["top_k_docs", 3],
      ["document_choice", ["vacation.txt"]],
      ["use_llm_if_no_docs", false]
    ] as const) {
      const response = await generate(ALICE, {instruction: QUESTION, [field]: value});
      expect(response.status).toBe(400);
      const {error} = await response.json();
      expect(error.param).toBe(field);
      expect(error.message).toBe(`${field}: applies to document Q&A: also give langchain_mode (UserData, MyData or a collection)`);
    }
    // langchain_mode=LLM is the model alone: same rule.
    const llm = await generate(ALICE, {instruction: QUESTION, langchain_mode: "LLM", top_k_docs: 3});
    expect(llm.status).toBe(400);
    // And LLM without document fields answers without sources.
    const plain = await (await generate(ALICE, {instruction: QUESTION, langchain_mode: "LLM"})).json();
    expect(plain.response).toBe("According to the policy, five.");
    expect(plain.sources).toBeUndefined();
    expect(plain.prompt_raw).not.toContain("<all_documents>");
  });

  it("answers h2oGPT's no-documents text when nothing matches and use_llm_if_no_docs is false", async () => {
    const none = await generate(ALICE, {instruction: "zebra quantum saxophone", langchain_mode: "UserData", use_llm_if_no_docs: false});
    expect(none.status).toBe(200);
    const body = await none.json();
    expect(body).toMatchObject({response: "There are no documents to answer from.", sources: [], chunks_used: 0, chunks_dropped: 0, langchain_mode: "UserData"});
    expect(engine.calls).toHaveLength(0);
    // With the default (true), the model answers alone and says so.
    const fallback = await (await generate(ALICE, {instruction: "zebra quantum saxophone", langchain_mode: "UserData"})).json();
    expect(fallback).toMatchObject({response: "According to the policy, five.", sources: [], note: "no documents in UserData matched; answered from the model alone"});
    expect(fallback.prompt_raw).not.toContain("<all_documents>");
  });
});

describe("/v1 with langchain_mode as an extra body field (openai client)", () => {
  it("chat completions carry the sources, streaming on the last chunk before [DONE]", async () => {
    const client = openai(ALICE);
    const params: ChatCompletionCreateParamsNonStreaming & {langchain_mode: string} = {
      model: "fake",
      messages: [{role: "user", content: QUESTION}],
      max_tokens: 16,
      langchain_mode: "UserData"
    };
    const completion = (await client.chat.completions.create(params)) as OpenAI.ChatCompletion & {sources?: Source[]; langchain_mode?: string; langchain_action?: string};
    expect(completion.choices[0]!.message.content).toBe("According to the policy, five.");
    expect(completion.langchain_mode).toBe("UserData");
    expect(completion.langchain_action).toBe("Query");
    expect(completion.sources![0]).toMatchObject({source: "vacation.txt", chunk_id: 0, content: FILES["vacation.txt"]});
    expect(engine.calls.at(-1)!.prompt).toContain(`</all_documents>\n${PROMPT_QUERY}\n${QUESTION}`);

    const streamParams: ChatCompletionCreateParamsStreaming & {langchain_mode: string} = {...params, stream: true};
    const chunks: (OpenAI.ChatCompletionChunk & {sources?: Source[]})[] = [];
    for await (const chunk of await client.chat.completions.create(streamParams)) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("According to the policy, five.");
    const last = chunks.at(-1)!;
    expect(last.choices[0]!.finish_reason).toBe("stop");
    expect(last.sources).toEqual(completion.sources);
    expect(chunks.slice(0, -1).every((c) => c.sources === undefined)).toBe(true);
  });

  it("the raw stream's last data before [DONE] has the sources", async () => {
    const response = await harness.fetch(
      "/v1/chat/completions",
      as(ALICE, jsonInit({model: "fake", messages: [{role: "user", content: QUESTION}], max_tokens: 16, stream: true, langchain_mode: "UserData"}))
    );
    const events = await readSse(response);
    expect(events.at(-1)!.data).toBe("[DONE]");
    const last = JSON.parse(events.at(-2)!.data);
    expect(last).toMatchObject({object: "chat.completion.chunk", langchain_mode: "UserData", choices: [{index: 0, finish_reason: "stop"}]});
    expect(last.sources[0].source).toBe("vacation.txt");
  });

  it("with n > 1 or a usage chunk, the sources still ride on the last chunk before [DONE]", async () => {
    for (const extra of [{n: 2}, {stream_options: {include_usage: true}}]) {
      const response = await harness.fetch(
        "/v1/chat/completions",
        as(ALICE, jsonInit({model: "fake", messages: [{role: "user", content: QUESTION}], max_tokens: 16, stream: true, langchain_mode: "UserData", ...extra}))
      );
      const events = await readSse(response);
      expect(events.at(-1)!.data).toBe("[DONE]");
      const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
      expect(chunks.at(-1).sources[0].source).toBe("vacation.txt");
      expect(chunks.slice(0, -1).every((chunk) => chunk.sources === undefined)).toBe(true);
    }
  });

  it("completions answer from documents with the prompt as the question", async () => {
    const params: CompletionCreateParamsNonStreaming & {langchain_mode: string} = {model: "fake", prompt: QUESTION, max_tokens: 16, langchain_mode: "UserData"};
    const completion = (await openai(ALICE).completions.create(params)) as OpenAI.Completion & {sources?: Source[]; langchain_mode?: string};
    expect(completion.choices[0]!.text).toBe("According to the policy, five.");
    expect(completion.langchain_mode).toBe("UserData");
    expect(completion.sources![0]).toMatchObject({source: "vacation.txt", content: FILES["vacation.txt"]});
    expect(engine.calls.at(-1)!.prompt).toContain(`${FILES["vacation.txt"]}\n</all_documents>\n${PROMPT_QUERY}\n${QUESTION}`);
    // Without langchain_mode a completion is the raw prompt, no documents.
    const raw = await openai(ALICE).completions.create({model: "fake", prompt: QUESTION, max_tokens: 16});
    expect((raw as OpenAI.Completion & {sources?: unknown}).sources).toBeUndefined();
    expect(engine.calls.at(-1)!.prompt).toBe(QUESTION);
  });

  it("an unknown collection, or document fields without langchain_mode, are 400s through the client", async () => {
    const params: ChatCompletionCreateParamsNonStreaming & {langchain_mode: string} = {model: "fake", messages: [{role: "user", content: QUESTION}], langchain_mode: "nope"};
    const error = await openai(ALICE).chat.completions.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("no collection 'nope' (langchain_mode); there are: LLM, UserData, MyData");
    const stray: ChatCompletionCreateParamsNonStreaming & {top_k_docs: number} = {model: "fake", messages: [{role: "user", content: QUESTION}], top_k_docs: 2};
    const strayError = await openai(ALICE).chat.completions.create(stray).catch((e: unknown) => e);
    expect(strayError).toBeInstanceOf(OpenAI.BadRequestError);
    expect((strayError as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "top_k_docs: applies to document Q&A: also give langchain_mode (UserData, MyData or a collection)"
    );
    expect(engine.calls).toHaveLength(0);
  });
});

describe("POST /api/documents", () => {
  it("ingests in the background: 202 with a job id, progress, then a summary with each failure and its reason", async () => {
    const mp3 = new Uint8Array([0x49, 0x44, 0x33, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const response = await upload(ALICE, uploadForm({"nightjar.txt": "Project Nightjar launches from pad seven in April.", "song.mp3": mp3}));
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted).toEqual({job_id: expect.stringMatching(/^[\w-]{16}$/), langchain_mode: "MyData", files: ["nightjar.txt", "song.mp3"]});
    const job = await waitForJob(ALICE, accepted.job_id);
    expect(job).toMatchObject({job_id: accepted.job_id, state: "done", langchain_mode: "MyData", files: ["nightjar.txt", "song.mp3"], error: null});
    expect(job.summary).toEqual({
      added: 1,
      updated: 0,
      unchanged: 0,
      failed: 1,
      documents: 1,
      chunks: 1,
      failures: [{source: "song.mp3", reason: "audio is not supported (no speech-to-text model is available)"}]
    });
    expect(job.progress).toMatchObject({files_done: 2, files_total: 2});

    const listed = await (await harness.fetch("/api/collections/MyData/documents", as(ALICE))).json();
    expect(listed.documents.map((d: {source: string}) => d.source)).toEqual(["nightjar.txt"]);
    const answer = await (await generate(ALICE, {instruction: "When does Project Nightjar launch?", langchain_mode: "MyData"})).json();
    expect(answer.sources.map((s: Source) => s.source)).toEqual(["nightjar.txt"]);

    // Uploading the same file again is unchanged; binary garbage and an empty file fail with their reasons.
    // An API-key caller needs no x-requested-with (no cookie, so no cross-site risk).
    const againResponse = await upload(
      ALICE,
      uploadForm({"nightjar.txt": "Project Nightjar launches from pad seven in April.", "blob.bin": new Uint8Array(512).map((_, i) => (i * 7919) % 256), "empty.txt": ""}),
      {}
    );
    expect(againResponse.status).toBe(202);
    const again = await waitForJob(ALICE, (await againResponse.json()).job_id);
    expect(again.summary).toMatchObject({added: 0, unchanged: 1, failed: 2});
    expect(again.summary!.failures).toEqual([
      {source: "blob.bin", reason: expect.stringMatching(/^unknown binary format \(\.bin\)/)},
      {source: "empty.txt", reason: "empty: the file has no text"}
    ]);
    const listedAgain = await (await harness.fetch("/api/collections/MyData/documents", as(ALICE))).json();
    expect(listedAgain.documents.map((d: {source: string}) => d.source)).toEqual(["nightjar.txt"]);
  });

  it("uploads into a named collection, creating it", async () => {
    const job = await uploadAndWait(ALICE, {"a.md": "# Heading\n\nThe blue binder holds the codes."}, {langchain_mode: "binders"});
    expect(job).toMatchObject({state: "done", langchain_mode: "binders", summary: {added: 1, failed: 0}});
    const names = (await (await harness.fetch("/api/collections", as(ALICE))).json()).collections.map((c: {name: string}) => c.name);
    expect(names).toEqual(["UserData", "MyData", "binders"]);
  });

  it("refuses too large (413), no file part (400), the wrong content type (415), a bad collection name (400)", async () => {
    const big = await upload(ALICE, uploadForm({"big.txt": "word ".repeat(2000)}));
    expect(big.status).toBe(413);
    expect((await big.json()).error).toMatchObject({message: "upload larger than 4096 bytes", code: "body_too_large"});

    const empty = await upload(ALICE, uploadForm({}, {langchain_mode: "MyData"}));
    expect(empty.status).toBe(400);
    expect((await empty.json()).error).toMatchObject({message: "file: give at least one file part", param: "file", code: "missing_field"});

    const json = await harness.fetch("/api/documents", as(ALICE, jsonInit({file: "x"})));
    expect(json.status).toBe(415);
    expect((await json.json()).error).toMatchObject({message: `expected Content-Type: multipart/form-data, got "application/json"`, code: "unsupported_media_type"});

    const badName = await upload(ALICE, uploadForm({"a.txt": "x"}, {langchain_mode: "../etc"}));
    expect(badName.status).toBe(400);
    expect((await badName.json()).error.param).toBe("langchain_mode");

    const missingJob = await harness.fetch("/api/documents/jobs/AAAAAAAAAAAAAAAA", as(ALICE));
    expect(missingJob.status).toBe(404);
    expect((await missingJob.json()).error).toMatchObject({message: "no such upload job", code: "job_not_found"});
  });

  it("refuses a multipart upload from a cookie session without x-requested-with (403), and accepts it with", async () => {
    const users = new Map([["carol", {username: "carol", passwordHash: await hashPassword("pw-carol")}]]);
    harness.store.close();
    harness = makeHarness({models: [engineModel({engine, name: "fake", promptType: "plain"})], users, collections});
    const login = await harness.fetch("/auth/login", jsonInit({username: "carol", password: "pw-carol"}));
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const refused = await harness.fetch("/api/documents", {method: "POST", headers: {cookie}, body: uploadForm({"c.txt": "Carol's notes."})});
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("cross_site_request");
    expect((await (await harness.fetch("/api/collections/MyData/documents", {headers: {cookie}})).json()).documents).toEqual([]);
    const accepted = await harness.fetch("/api/documents", {method: "POST", headers: {cookie, "x-requested-with": "h2ogpt"}, body: uploadForm({"c.txt": "Carol's notes."})});
    expect(accepted.status).toBe(202);
  });
});

describe("isolation between users", () => {
  it("another user sees none of a user's uploads, documents, collections or sources", async () => {
    const secret = "Alice keeps the launch codes for project Nightjar in the blue binder.";
    const mine = await upload(ALICE, uploadForm({"alice.txt": secret}));
    const {job_id: myJob} = await mine.json();
    expect((await waitForJob(ALICE, myJob)).summary).toMatchObject({added: 1, failed: 0});
    expect((await uploadAndWait(ALICE, {"alice.txt": secret}, {langchain_mode: "nightjar"})).summary).toMatchObject({added: 1});

    // The job: 404, exactly like a missing one.
    const bobsJob = await harness.fetch(`/api/documents/jobs/${myJob}`, as(BOB));
    expect(bobsJob.status).toBe(404);
    expect(await bobsJob.json()).toEqual(await (await harness.fetch("/api/documents/jobs/AAAAAAAAAAAAAAAA", as(BOB))).json());

    // MyData is per user.
    expect((await (await harness.fetch("/api/collections/MyData/documents", as(BOB))).json()).documents).toEqual([]);
    const aliceDocs = (await (await harness.fetch("/api/collections/MyData/documents", as(ALICE))).json()).documents;
    expect(aliceDocs.map((d: {source: string}) => d.source)).toEqual(["alice.txt"]);

    // A named private collection: 404 like a missing one, and not in Bob's list.
    const hidden = await harness.fetch("/api/collections/nightjar/documents", as(BOB));
    const missing = await harness.fetch("/api/collections/nosuchname/documents", as(BOB));
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect((await hidden.json()).error).toEqual({...(await missing.json()).error, message: "no collection 'nightjar' (langchain_mode); there are: LLM, UserData, MyData"});
    expect((await (await harness.fetch("/api/collections", as(BOB))).json()).collections.map((c: {name: string}) => c.name)).toEqual(["UserData", "MyData"]);

    // Alice's answer cites her document; Bob's, with the same question and mode, cites nothing.
    const question = {instruction: "Where are the launch codes for project Nightjar?", langchain_mode: "MyData"};
    const alice = await (await generate(ALICE, question)).json();
    expect(alice.sources.map((s: Source) => s.source)).toEqual(["alice.txt"]);
    const {document_id: docId, chunk_row_id: chunkId} = alice.sources[0] as Source;
    const bob = await (await generate(BOB, question)).json();
    expect(bob).toMatchObject({langchain_mode: "MyData", sources: [], chunks_used: 0, note: "no documents in MyData matched; answered from the model alone"});
    expect(bob.prompt_raw).not.toContain("blue binder");
    const bobStrict = await (await generate(BOB, {...question, use_llm_if_no_docs: false})).json();
    expect(bobStrict).toMatchObject({response: "There are no documents to answer from.", sources: []});
    const bobStream = await readSse(await generate(BOB, question, "/api/generate_stream"));
    expect(JSON.parse(bobStream.at(-1)!.data).sources).toEqual([]);
    for (const action of ["Summarize", "Extract"]) {
      const summary = await (await generate(BOB, {langchain_mode: "MyData", langchain_action: action})).json();
      expect(summary).toMatchObject({response: "There are no documents to summarize/extract from.", sources: []});
    }
    const bobNamed = await generate(BOB, {...question, langchain_mode: "nightjar"});
    expect(bobNamed.status).toBe(400);
    expect((await bobNamed.json()).error.message).toBe("langchain_mode: no collection 'nightjar' (langchain_mode); there are: LLM, UserData, MyData");

    // The /v1 routes, through the openai client.
    const chatParams: ChatCompletionCreateParamsNonStreaming & {langchain_mode: string} = {
      model: "fake",
      messages: [{role: "user", content: question.instruction}],
      langchain_mode: "MyData"
    };
    const aliceChat = (await openai(ALICE).chat.completions.create(chatParams)) as OpenAI.ChatCompletion & {sources: Source[]};
    expect(aliceChat.sources.map((s) => s.source)).toEqual(["alice.txt"]);
    const bobChat = (await openai(BOB).chat.completions.create(chatParams)) as OpenAI.ChatCompletion & {sources: Source[]};
    expect(bobChat.sources).toEqual([]);
    const bobChunks: (OpenAI.ChatCompletionChunk & {sources?: Source[]})[] = [];
    for await (const chunk of await openai(BOB).chat.completions.create({...chatParams, stream: true} as ChatCompletionCreateParamsStreaming)) bobChunks.push(chunk);
    expect(bobChunks.at(-1)!.sources).toEqual([]);
    const completionParams: CompletionCreateParamsNonStreaming & {langchain_mode: string} = {model: "fake", prompt: question.instruction, langchain_mode: "MyData"};
    expect(((await openai(BOB).completions.create(completionParams)) as OpenAI.Completion & {sources: Source[]}).sources).toEqual([]);
    for (const call of engine.calls.slice(-3)) {
      expect(call.prompt).toContain(question.instruction);
      expect(call.prompt).not.toContain("blue binder");
    }

    // Bob's lookups of Alice's document and chunk ids: 404 like missing ones; Alice's own: 200.
    expect((await harness.fetch(`/api/collections/MyData/documents/${docId}`, as(ALICE))).status).toBe(200);
    expect((await harness.fetch(`/api/collections/MyData/chunks/${chunkId}`, as(ALICE))).status).toBe(200);
    for (const path of [`/api/collections/MyData/documents/${docId}`, `/api/collections/nightjar/documents/${docId}`]) {
      const response = await harness.fetch(path, as(BOB));
      expect(response.status).toBe(404);
    }
    const bobDoc = await harness.fetch(`/api/collections/MyData/documents/${docId}`, as(BOB));
    expect((await bobDoc.json()).error).toMatchObject({message: "no such document", code: "document_not_found"});
    const bobChunk = await harness.fetch(`/api/collections/MyData/chunks/${chunkId}`, as(BOB));
    expect(bobChunk.status).toBe(404);
    expect((await bobChunk.json()).error).toMatchObject({message: "no such chunk", code: "chunk_not_found"});
    expect((await harness.fetch(`/api/collections/nightjar/chunks/${chunkId}`, as(BOB))).status).toBe(404);
    const bobDelete = await harness.fetch(`/api/collections/MyData/documents/${docId}`, as(BOB, {method: "DELETE"}));
    expect(bobDelete.status).toBe(404);
    expect((await harness.fetch(`/api/collections/MyData/documents/${docId}`, as(ALICE))).status).toBe(200);

    // Bob's retrieve in his MyData finds nothing of Alice's.
    const retrieved = await (await harness.fetch("/api/collections/MyData/retrieve", as(BOB, jsonInit({query: "launch codes Nightjar"})))).json();
    expect(retrieved).toEqual({sources: []});
  });

  it("a user's own document ids do not reach another user's documents with the same id", async () => {
    await uploadAndWait(ALICE, {"alice.txt": "Alice's vault combination is four two seven."});
    await uploadAndWait(BOB, {"bob.txt": "Bob's bicycle is parked behind the library."});
    const aliceDocs = (await (await harness.fetch("/api/collections/MyData/documents", as(ALICE))).json()).documents;
    const bobDocs = (await (await harness.fetch("/api/collections/MyData/documents", as(BOB))).json()).documents;
    expect(aliceDocs.map((d: {source: string}) => d.source)).toEqual(["alice.txt"]);
    expect(bobDocs.map((d: {source: string}) => d.source)).toEqual(["bob.txt"]);
    // Each user's id resolves to their own document only.
    const bobView = await (await harness.fetch(`/api/collections/MyData/documents/${aliceDocs[0].id}`, as(BOB))).json();
    expect(JSON.stringify(bobView)).not.toContain("vault");
    const bobAnswer = await (await generate(BOB, {instruction: "What is the vault combination?", langchain_mode: "MyData"})).json();
    expect(JSON.stringify(bobAnswer.sources)).not.toContain("vault");
    expect(bobAnswer.prompt_raw).not.toContain("four two seven");
    expect(bobAnswer.sources).toEqual([]);
  });
});

describe("a long map-reduce over a stream", () => {
  it("opens the stream when the map prompts start and sends their progress before the summary", async () => {
    const small = new FakeEngine({contextLength: 200, script: (call) => [`part${call}`, " summary."]});
    const local = makeHarness({models: [engineModel({engine: small, name: "small", promptType: "plain"})], apiKeys: loadApiKeys({env: ALICE}), collections});
    const long = Array.from({length: 40}, (_, i) => `Section ${i} ${"words ".repeat(30)}`).join("\n\n");
    await collections.ingest({user: "", name: "UserData", inputs: [{name: "long.txt", bytes: encode(long)}]});
    const response = await local.fetch(
      "/api/generate_stream",
      as(ALICE, jsonInit({langchain_mode: "UserData", langchain_action: "Summarize", document_choice: ["long.txt"], max_new_tokens: 30}))
    );
    expect(response.status).toBe(200);
    const events = await readSse(response);
    const kinds = events.map((event) => event.event);
    const firstDelta = kinds.indexOf("delta");
    expect(kinds.indexOf("progress")).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf("progress")).toBeLessThan(firstDelta);
    expect(JSON.parse(events.find((event) => event.event === "progress")!.data)).toMatchObject({stage: "map", done: 1});
    expect(kinds.at(-1)).toBe("result");
    expect(small.calls.length).toBeGreaterThan(2);
    local.store.close();
  });
});
