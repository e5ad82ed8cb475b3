import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {makeHarness, type Harness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {fuzzStrings} from "../../test/tokenizer/fuzz-strings.js";
import {CollectionManager, ingest} from "../docs/index.js";
import {unavailableOcr} from "../docs/loaders/test-fixtures/loader-fixtures.js";
import {mulberry32} from "../util/index.js";

/**
 * Generated requests against every JSON route, in-process with the scripted model: random shapes and types,
 * the routes' own field names with wrong or extreme values, deep nesting, huge and hostile strings, truncated
 * JSON, wrong content types and methods. Whatever comes in, the answer is never a 5xx and nothing reaches
 * console.error (where the server logs unexpected errors with their stack). Seeded, so a failure names the
 * seed and the request that reproduce it.
 */

const SEED = 17;
const REQUESTS = 3000;

/** Field names the routes read, so generated bodies get past "unknown field" and into the value checks. */
const FIELDS = [
  "model", "messages", "role", "content", "type", "text", "image_url", "prompt", "max_tokens", "max_new_tokens", "temperature",
  "top_p", "top_k", "n", "stream", "stream_options", "include_usage", "stop", "seed", "echo", "logprobs", "presence_penalty",
  "frequency_penalty", "repetition_penalty", "min_new_tokens", "max_time", "input", "encoding_format", "instruction", "iinput",
  "context", "history", "prompt_type", "prompt_dict", "system_prompt", "chat_template", "langchain_mode", "langchain_action",
  "top_k_docs", "document_choice", "title", "models", "username", "password", "api_key", "query", "k", "user", "response_format",
  "tools", "num_beams", "do_sample", "chunk", "chunk_size", "h2ogpt_key", "add_chat_history_to_context"
];

const ROUTES: readonly {method: string; path: string}[] = [
  {method: "POST", path: "/v1/chat/completions"},
  {method: "POST", path: "/v1/completions"},
  {method: "POST", path: "/v1/embeddings"},
  {method: "GET", path: "/v1/models"},
  {method: "POST", path: "/api/generate"},
  {method: "POST", path: "/api/generate_stream"},
  {method: "POST", path: "/api/chats"},
  {method: "GET", path: "/api/chats"},
  {method: "GET", path: "/api/chats/:chat"},
  {method: "PATCH", path: "/api/chats/:chat"},
  {method: "POST", path: "/api/chats/:chat/messages"},
  {method: "POST", path: "/api/chats/:chat/answer"},
  {method: "POST", path: "/api/chats/:chat/undo"},
  {method: "POST", path: "/api/chats/:chat/clear"},
  {method: "DELETE", path: "/api/chats/:chat"},
  {method: "GET", path: "/api/collections"},
  {method: "GET", path: "/api/collections/:collection/documents"},
  {method: "GET", path: "/api/collections/:collection/documents/:doc"},
  {method: "GET", path: "/api/collections/:collection/chunks/:doc"},
  {method: "POST", path: "/api/collections/:collection/retrieve"},
  // Destructive routes go to a collection of their own, so the others keep a document to read.
  {method: "POST", path: "/api/collections/Scratch/purge"},
  {method: "DELETE", path: "/api/collections/Scratch/documents/:doc"},
  {method: "POST", path: "/auth/login"}
];

const CONTENT_TYPES = ["application/json", "application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", ""];

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A path segment: a fuzz string percent-encoded (lone surrogates made U+FFFD first), or a malformed escape. */
function segment(random: Random, strings: readonly string[]): string {
  if (random() < 0.2) return pick(random, ["%", "%zz", "%E0%A4%A", "..%2f..", "%00", "a%2Fb", "%25", "."]);
  return encodeURIComponent(pick(random, strings).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
}

/** Deeply nested JSON as text (JSON.stringify itself would overflow the stack). */
function nested(depth: number, leaf: unknown, asArray: boolean): string {
  const opens = Array.from({length: depth}, (_, i) => (asArray ? "[" : `{"${FIELDS[i % FIELDS.length]}":`)).join("");
  return opens + JSON.stringify(leaf) + (asArray ? "]" : "}").repeat(depth);
}

function scalar(random: Random, strings: readonly string[]): unknown {
  switch (Math.floor(random() * 12)) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return Math.floor(random() * 2 ** 31) * (random() < 0.3 ? -1 : 1);
    case 3: return pick(random, [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 0.000001, 4097, 1e6]);
    case 4: return "";
    case 5: return "x".repeat(1 + Math.floor(random() * 20_000));
    case 6: return pick(random, ["user", "assistant", "system", "tool", "plain", "human_bot", "llama2", "scripted", "MyData", "UserData", "text", "float", "base64", "../../etc/passwd", "<script>alert(1)</script>", "__proto__", "constructor"]);
    default: return pick(random, strings);
  }
}

/** A JSON value of random shape, biased toward the routes' own field names. */
function value(random: Random, strings: readonly string[], depth: number): unknown {
  const roll = random();
  if (depth > 4 || roll < 0.45) return scalar(random, strings);
  if (roll < 0.7) return Array.from({length: Math.floor(random() * 5)}, () => value(random, strings, depth + 1));
  const object: Record<string, unknown> = {};
  const keys = Math.floor(random() * 6);
  for (let i = 0; i < keys; i++) object[random() < 0.85 ? pick(random, FIELDS) : pick(random, strings)] = value(random, strings, depth + 1);
  return object;
}

/** A valid body for each route, which generated requests then spoil a field or two at a time. */
function validBody(path: string): Record<string, unknown> {
  if (path.endsWith("/chat/completions")) return {model: "scripted", messages: [{role: "user", content: "hi"}], max_tokens: 4};
  if (path.endsWith("/v1/completions")) return {model: "scripted", prompt: "hi", max_tokens: 4};
  if (path.endsWith("/embeddings")) return {model: "scripted", input: "hi"};
  if (path.startsWith("/api/generate")) return {instruction: "hi", max_new_tokens: 4};
  if (path.endsWith("/messages")) return {content: "hi"};
  if (path.endsWith("/answer")) return {model: "scripted", max_new_tokens: 4};
  if (path.endsWith("/retrieve")) return {query: "cafeteria"};
  if (path.endsWith("/login")) return {username: "alice", password: "wonderland"};
  return {title: "hi"};
}

/** A body: JSON of a random shape, a valid request with a field or two gone wrong, deep nesting, or not JSON at all. */
function body(random: Random, strings: readonly string[], path: string): string {
  const roll = random();
  if (roll < 0.35) return JSON.stringify(value(random, strings, 0));
  if (roll < 0.65) {
    const plausible = validBody(path);
    for (let i = 0; i < Math.floor(random() * 3); i++) plausible[random() < 0.5 ? pick(random, Object.keys(plausible)) : pick(random, FIELDS)] = value(random, strings, 1);
    if (random() < 0.3) delete plausible[pick(random, Object.keys(plausible))];
    return JSON.stringify(plausible);
  }
  if (roll < 0.75) return nested(10 + Math.floor(random() * 6000), scalar(random, strings), random() < 0.5);
  if (roll < 0.85) {
    const text = JSON.stringify(value(random, strings, 0)) ?? "null";
    return text.slice(0, Math.floor(random() * text.length));
  }
  if (roll < 0.95) return pick(random, strings);
  return String.fromCharCode(...Array.from({length: Math.floor(random() * 300)}, () => Math.floor(random() * 0xffff)));
}

let dir: string;
let collections: CollectionManager;
let harness: Harness;
let chatId: string;
let documentId: string;

async function newChat(): Promise<string> {
  const response = await harness.fetch("/api/chats", {method: "POST", headers: {"content-type": "application/json"}, body: "{}"});
  return (await response.json()).id;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-http-fuzz-"));
  collections = new CollectionManager({persistDirectory: join(dir, "db"), ocr: unavailableOcr});
  harness = makeHarness({
    models: [new ScriptedModel({embeddings: true}), new ScriptedModel({name: "other"})],
    collections,
    maxBodyBytes: 256 * 1024,
    concurrency: 4,
    maxQueue: 4
  });
  await writeFile(join(dir, "notes.txt"), "The cafeteria opens at seven thirty every weekday.");
  await ingest({collection: await collections.collection("local", "MyData", {create: true}), inputs: [join(dir, "notes.txt")], ocr: unavailableOcr});
  await ingest({collection: await collections.collection("local", "Scratch", {create: true}), inputs: [join(dir, "notes.txt")], ocr: unavailableOcr});
  chatId = await newChat();
  const listed = await (await harness.fetch("/api/collections/MyData/documents")).json();
  documentId = String(listed.documents?.[0]?.id ?? 1);
});

afterAll(async () => {
  await collections.close();
  harness.store.close();
  await rm(dir, {recursive: true, force: true});
});

describe("HTTP APIs under generated requests", () => {
  it(`answers ${REQUESTS} generated requests without a 5xx or a logged error`, async () => {
    const random = mulberry32(SEED);
    const strings = fuzzStrings(400, SEED);
    const logged: string[] = [];
    const errorSpy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ").slice(0, 500)));
    const failures: string[] = [];
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const route = pick(random, ROUTES);
        const path = route.path
          .replace(":chat", random() < 0.8 ? chatId : segment(random, strings))
          .replace(":collection", random() < 0.7 ? pick(random, ["MyData", "UserData"]) : segment(random, strings))
          .replace(":doc", random() < 0.7 ? documentId : segment(random, strings));
        const method = random() < 0.95 ? route.method : pick(random, ["GET", "POST", "PUT", "DELETE", "PATCH"]);
        const contentType = pick(random, CONTENT_TYPES);
        const headers: Record<string, string> = {"x-requested-with": "h2ogpt"};
        if (contentType !== "") headers["content-type"] = contentType;
        const text = method === "GET" ? undefined : body(random, strings, route.path);
        const before = logged.length;
        const response = await harness.fetch(path, {method, headers, body: text});
        // Read the whole body: a stream that fails after its headers must show up here too.
        const answer = await response.text();
        // A deleted chat is made again, so the chat routes keep reaching their body checks.
        if (method === "DELETE" && path === `/api/chats/${chatId}` && response.ok) chatId = await newChat();
        if (response.status >= 500 || logged.length > before) {
          failures.push(`#${i} ${method} ${path} (${contentType}) ${JSON.stringify((text ?? "").slice(0, 300))} -> ${response.status} ${answer.slice(0, 300)} ${logged.slice(before).join(" | ")}`);
          if (failures.length >= 5) break;
        }
      }
    } finally {
      errorSpy.mockRestore();
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
  });
});
