import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {DocumentCollection} from "./document-collection.js";
import {indexedText, matchExpression, queryTerms} from "./search-terms.js";

describe("search terms", () => {
  it("lower-cases words, drops stop words unless nothing else is left, and keeps each term once", () => {
    expect(queryTerms("How many VACATION days can I carry over? Vacation!")).toEqual(["many", "vacation", "days", "carry"]);
    expect(queryTerms("What is it?")).toEqual(["what", "is", "it"]);
  });

  it("splits CJK runs into bigrams in the index and in questions", () => {
    expect(indexedText("数据库配置")).toBe(" 数据 据库 库配 配置 ");
    expect(indexedText("plain text")).toBe("plain text");
    expect(queryTerms("数据库?")).toEqual(["数据", "据库"]);
  });

  it("quotes every term, so no user text is read as FTS5 syntax", () => {
    expect(matchExpression(['a"b', "c"])).toBe('"a""b" OR "c"');
    expect(queryTerms('NEAR(x y) OR "z" AND -w * ^v 🙂 col:1')).toEqual(["near", "x", "y", "z", "w", "v", "col", "1"]);
    expect(queryTerms("🙂 ?! ... ---")).toEqual([]);
  });

  it("never fails a search whatever the question holds", async () => {
    const dir = await mkdtemp(join(tmpdir(), "h2ogpt-fts-"));
    const collection = DocumentCollection.open(join(dir, "c.sqlite3"));
    try {
      const file = collection.beginFile("/f.txt", 1);
      collection.addDocument(file, {
        source: "/f.txt",
        hash: "h",
        format: "text",
        textChars: 40,
        chunks: [{chunkIndex: 0, start: 0, end: 40, hash: "c", content: 'Café "quoted" NEAR operators, 数据库 and 🙂 emoji.'}]
      });
      for (const query of ['"', '""', "NEAR(", "a OR", "*", "^", ":", "(((", "AND NOT", "🙂", "\u0000", "x".repeat(5000), "'; DROP TABLE chunks; --"])
        expect(() => collection.search({query, topK: 3})).not.toThrow();
      expect(collection.search({query: "cafe", topK: 3}).map((hit) => hit.source)).toEqual(["/f.txt"]);
      expect(collection.search({query: "CAFÉ near", topK: 3}).map((hit) => hit.source)).toEqual(["/f.txt"]);
      expect(collection.search({query: "数据", topK: 3}).map((hit) => hit.source)).toEqual(["/f.txt"]);
      expect(collection.search({query: '"quoted"', topK: 3})[0]?.score).toBeGreaterThan(0);
    } finally {
      collection.close();
      await rm(dir, {recursive: true, force: true});
    }
  });
});
