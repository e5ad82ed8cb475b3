import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {runMain} from "../../test/support/run-main.js";

const dir = await mkdtemp(join(tmpdir(), "h2ogpt-ingest-cli-"));
afterAll(() => rm(dir, {recursive: true, force: true}));

const h2ogpt = (...args: string[]) => runMain(args, {cwd: dir});

describe("h2ogpt ingest / retrieve", () => {
  it("ingests, lists, retrieves as JSON, deletes and purges (the CLI contract other tools rely on)", async () => {
    await writeFile(join(dir, "tides.md"), "# Tides\n\nSpring tides happen twice a month, near full and new moon.\n");
    await writeFile(join(dir, "bees.txt"), "Honey bees communicate the direction of flowers with a waggle dance.");

    const first = await h2ogpt("ingest", "--langchain_mode=Nature", "--json", "tides.md", "bees.txt");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out);
    expect(summary).toMatchObject({langchain_mode: "Nature", added: 2, updated: 0, unchanged: 0, failed: 0, documents: 2, failures: [], failure_count: 0});
    expect(summary.chunks).toBeGreaterThanOrEqual(2);
    expect(summary.collection).toMatchObject({files: 2, documents: 2});

    const again = JSON.parse((await h2ogpt("ingest", "--langchain_mode=Nature", "--json", "tides.md", "bees.txt")).out);
    expect(again).toMatchObject({added: 0, unchanged: 2, chunks: 0});

    const listed = JSON.parse((await h2ogpt("ingest", "--langchain_mode=Nature", "--list", "--json")).out);
    expect(listed.documents.map((document: {source: string}) => document.source)).toEqual([join(dir, "bees.txt"), join(dir, "tides.md")]);

    const found = await h2ogpt("retrieve", "--langchain_mode=Nature", "--query=How do bees tell each other where flowers are?", "--top_k_docs=1", "--json");
    expect(found.code).toBe(0);
    const {sources} = JSON.parse(found.out);
    expect(sources).toHaveLength(1);
    expect(Object.keys(sources[0]).slice(0, 5)).toEqual(["source", "page", "chunk_id", "score", "content"]);
    expect(sources[0]).toMatchObject({source: join(dir, "bees.txt"), page: null, chunk_id: 0});
    expect(sources[0].score).toBeGreaterThan(0);
    expect(sources[0].score).toBeLessThanOrEqual(1);

    const text = await h2ogpt("retrieve", "--langchain_mode=Nature", "--query=spring tides moon");
    expect(text.out).toMatch(/^1\. \d\.\d{3} {2}.*tides\.md {2}chunk 0\n {3}# Tides Spring tides happen/);

    expect((await h2ogpt("ingest", "--langchain_mode=Nature", "--delete=bees.txt")).code).toBe(0);
    const missing = await h2ogpt("ingest", "--langchain_mode=Nature", "--delete=bees.txt");
    expect(missing.code).toBe(1);
    expect(missing.err).toBe("h2ogpt ingest: no document or file 'bees.txt' in Nature\n");
    expect((await h2ogpt("ingest", "--langchain_mode=Nature", "--purge")).out).toBe("purged collection Nature\n");
    const gone = await h2ogpt("retrieve", "--langchain_mode=Nature", "--query=tides");
    expect(gone.code).toBe(2);
    expect(gone.err).toBe("h2ogpt retrieve: no collection 'Nature' (langchain_mode); there are: LLM, UserData, MyData\n");
  });

  it("exits 1 when some files failed, listing each with its reason", async () => {
    await writeFile(join(dir, "ok.txt"), "Fine text.");
    await writeFile(join(dir, "bad.bin"), Buffer.from([0, 0, 1, 2, 3]));
    const {code, out} = await h2ogpt("ingest", "--langchain_mode=Mixed", "ok.txt", "bad.bin", "nope.txt");
    expect(code).toBe(1);
    expect(out).toContain("Mixed: 1 added, 0 updated, 0 unchanged, 2 failed;");
    expect(out).toContain(`could not ingest 2:\n  ${join(dir, "nope.txt")}: no such file or folder\n  ${join(dir, "bad.bin")}: unknown binary format (.bin): not a document type h2ogpt-ts reads\n`);
  });

  it("refuses bad usage with exit 2 and one line", async () => {
    const cases: [string[], string][] = [
      [["ingest"], "nothing to ingest: give files, folders or URLs (see --help)"],
      [["ingest", "--list", "--purge"], "give one of --list, --delete, --purge and --reembed"],
      [["ingest", "--chunk_size=0", "x"], "--chunk_size: expected an integer from 1, got 0"],
      [["ingest", "--chunk_size=100", "--chunk_overlap=100", "x"], "--chunk_overlap (100) must be smaller than the chunk size (100)"],
      [["ingest", "--chunk_size_tokens=64", "x"], "--chunk_size_tokens needs --tokenizer"],
      [["ingest", "--langchain_mode=LLM", "x"], "langchain_mode LLM has no documents: choose UserData, MyData or a collection name"],
      [["ingest", "--langchain_mode=../x", "x"], "collection name '../x' is not valid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"],
      [["retrieve", "--query= "], "--query is required"],
      [["retrieve", "--query=x", "--top_k_docs=1.5"], "--top_k_docs: expected an integer from 1 to 10000, got 1.5"]
    ];
    for (const [args, message] of cases) {
      const {code, err} = await h2ogpt(...args);
      expect([code, err]).toEqual([2, `h2ogpt ${args[0]}: ${message}\n`]);
    }
  });
});
