import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ingest, openCollection, retrieve, type DocumentCollection, type IngestSummary} from "../../src/docs/index.js";
import {unavailableOcr} from "../../src/docs/loaders/test-fixtures/loader-fixtures.js";
import {CORPUS, QUESTIONS} from "./retrieval-corpus.js";

/**
 * Retrieval quality with BM25 alone (no embedding model): each question's document must be among the top 3 chunks'
 * sources. The issue asks for 28 of 30; with more questions the same share (28/30) is required, so adding a
 * question never makes the bar easier.
 */

const TOP_K = 3;
const REQUIRED_SHARE = 28 / 30;

describe("retrieval quality (BM25)", () => {
  let root: string;
  let corpus: string;
  let collection: DocumentCollection;
  let summary: IngestSummary;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "h2ogpt-retrieval-"));
    corpus = join(root, "corpus");
    // The index lives beside the corpus, not inside it, so ingesting the folder never sees the database.
    await mkdir(corpus);
    for (const file of CORPUS) await writeFile(join(corpus, file.name), await file.build());
    collection = openCollection({persistDirectory: join(root, "db"), user: "test"}, "UserData", {create: true});
    summary = await ingest({collection, inputs: [corpus], ocr: unavailableOcr});
  });

  afterAll(async () => {
    collection?.close();
    if (root != null) await rm(root, {recursive: true, force: true});
  });

  it("ingests every file of the corpus without a failure", () => {
    const formats = new Set(CORPUS.map((file) => file.name.slice(file.name.lastIndexOf(".") + 1)));
    expect(CORPUS.length).toBeGreaterThanOrEqual(20);
    expect(formats.size).toBeGreaterThanOrEqual(6);
    expect(summary.failures).toEqual([]);
    expect(summary.failed).toBe(0);
    expect(summary.added).toBe(CORPUS.length);
    expect(summary.documents).toBe(CORPUS.reduce((sum, file) => sum + file.documents, 0));
    // Several chunks per document on average, so ranking picks chunks, not whole files.
    expect(summary.chunks).toBeGreaterThan(summary.documents * 2);
  });

  it(`finds the right document in the top ${TOP_K} for at least ${Math.round(REQUIRED_SHARE * 100)}% of the questions`, async () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(30);
    const indexed = new Set(collection.documents().map((document) => document.source));
    const misses: string[] = [];
    for (const {question, expected} of QUESTIONS) {
      const source = join(corpus, expected);
      const results = await retrieve({collection, query: question, topK: TOP_K});
      if (results.some((result) => result.source === source)) continue;
      // A document that never reached the index is a loader defect, not a ranking miss: say which it is.
      const got = results.map((result) => `${result.source.slice(corpus.length + 1)} (${result.score.toFixed(2)})`).join(", ");
      misses.push(`${question}\n    expected ${expected}${indexed.has(source) ? "" : " (NOT INDEXED)"}\n    got      ${got === "" ? "nothing" : got}`);
    }
    const hits = QUESTIONS.length - misses.length;
    const required = Math.ceil(QUESTIONS.length * REQUIRED_SHARE);
    if (misses.length > 0) console.log(`retrieval misses (${hits}/${QUESTIONS.length} hit, ${required} required):\n  ${misses.join("\n  ")}`);
    expect(hits, `misses:\n  ${misses.join("\n  ")}`).toBeGreaterThanOrEqual(required);
  });
});
