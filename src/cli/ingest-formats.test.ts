import {existsSync} from "node:fs";
import {mkdir, mkdtemp, rm, unlink, writeFile} from "node:fs/promises";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync, strToU8, zipSync} from "fflate";
import {parquetWriteBuffer} from "hyparquet-writer";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {runMain} from "../../test/support/run-main.js";
import {DocumentCollection} from "../docs/document-collection.js";
import {buildPdf, renderFirstPage} from "../docs/loaders/test-fixtures/loader-fixtures.js";
import {makeRawZip} from "../docs/loaders/test-fixtures/make-raw-zip.js";
import {makeTar} from "../docs/loaders/test-fixtures/make-tar.js";
import {makeDocx, docxParagraph, makeEpub, makeOds, makeOdt, makePptx, makeXlsx} from "../docs/loaders/test-fixtures/office-fixtures.js";
import {loadTokenizer} from "../tokenizer/index.js";

/**
 * End-to-end: `h2ogpt ingest` and `h2ogpt retrieve --json` through the command line, one file per format (issue
 * 10), each holding one fact that a paraphrased question must find in the top 3 by its exact source.
 */

const hasOcrTools = existsSync("/usr/bin/tesseract") && existsSync("/usr/bin/pdftoppm");
if (!hasOcrTools) console.warn("skipping the OCR files (image, scanned PDF page): /usr/bin/tesseract or /usr/bin/pdftoppm is missing");

const root = await mkdtemp(join(tmpdir(), "h2ogpt-ingest-formats-"));
afterAll(() => rm(root, {recursive: true, force: true}));

const h2ogpt = (...args: string[]) => runMain(args, {cwd: root});

interface Source {
  readonly source: string;
  readonly page: number | null;
  readonly chunk_id: number;
  readonly score: number;
  readonly content: string;
}

async function retrieveSources(collection: string, query: string, topK = 3): Promise<Source[]> {
  const {code, out, err} = await h2ogpt("retrieve", `--langchain_mode=${collection}`, `--query=${query}`, `--top_k_docs=${topK}`, "--json");
  expect([code, err]).toEqual([0, ""]);
  return (JSON.parse(out) as {sources: Source[]}).sources;
}

const crlf = (lines: readonly string[]): string => lines.join("\r\n");

const MHTML = crlf([
  "From: <Saved by Blink>",
  "Snapshot-Content-Location: https://example.com/loom",
  "Subject: Looms",
  "MIME-Version: 1.0",
  'Content-Type: multipart/related; type="text/html"; boundary="----B0undary----"',
  "",
  "------B0undary----",
  "Content-Type: text/html",
  "Content-Transfer-Encoding: quoted-printable",
  "Content-Location: https://example.com/loom",
  "",
  '<html><head><title>Looms</title></head><body><p class=3D"x">The Jacquard loom read punched cards to weave brocade pat=',
  "terns in silk.</p></body></html>",
  "------B0undary------",
  ""
]);

const EML = crlf([
  "From: Ada <ada@example.com>",
  "To: Bob <bob@example.com>",
  "Subject: Minutes",
  "Date: Tue, 1 Apr 2025 10:00:00 +0000",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="MIXED"',
  "",
  "--MIXED",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "The meeting notes are attached.",
  "--MIXED",
  'Content-Type: text/plain; name="minutes.txt"',
  'Content-Disposition: attachment; filename="minutes.txt"',
  "",
  "The falconer trains peregrine falcons to chase pigeons away from the airport runway.",
  "--MIXED--",
  ""
]);

const ODS_TABLE =
  '<table:table table:name="Metals"><table:table-row>' +
  "<table:table-cell><text:p>Metal</text:p></table:table-cell><table:table-cell><text:p>Property</text:p></table:table-cell>" +
  "</table:table-row><table:table-row>" +
  "<table:table-cell><text:p>Tungsten</text:p></table:table-cell><table:table-cell><text:p>melts at 3422 degrees Celsius</text:p></table:table-cell>" +
  "</table:table-row></table:table>";

/** A PNG of a page with `text` in big letters, rendered by pdftoppm. */
async function textImage(text: string): Promise<Uint8Array> {
  return renderFirstPage(await buildPdf([{text, size: 30}]));
}

interface Fact {
  /** The file under corpus/ holding the fact. */
  readonly file: string;
  readonly build: () => Promise<Uint8Array | string>;
  readonly question: string;
  /** The expected source, relative to corpus/ (or absolute, for a dataset's url column). */
  readonly source: string;
  readonly page?: number;
  readonly ocr?: boolean;
}

const FACTS: readonly Fact[] = [
  {
    file: "notes.txt",
    build: async () => "The keeper of the Skerryvore lighthouse polishes the brass lens every Thursday morning.\n",
    question: "On which day does the Skerryvore keeper clean the lens?",
    source: "notes.txt"
  },
  {
    file: "guide.md",
    build: async () => "# Boats\n\nA folding kayak weighs eleven kilograms with its paddle.\n",
    question: "How heavy is a folding kayak?",
    source: "guide.md"
  },
  {
    file: "manual.rst",
    build: async () => "Glaciers\n========\n\nThe Perito Moreno glacier advances about two metres each day.\n",
    question: "How quickly does the Perito Moreno glacier move forward?",
    source: "manual.rst"
  },
  {
    file: "starter.py",
    build: async () => 'def hydration(flour, water):\n    """A sourdough starter wants seventy percent hydration."""\n    return water / flour\n',
    question: "What hydration does a sourdough starter want?",
    source: "starter.py"
  },
  {
    file: "volcano.html",
    build: async () =>
      "<!DOCTYPE html><html><head><title>Volcanoes</title><script>var stromboli = 'never indexed';</script></head>" +
      "<body><article><h1>Volcanoes</h1><p>The Stromboli volcano has erupted almost continuously for two thousand years.</p></article></body></html>",
    question: "For how long has Stromboli been erupting?",
    source: "volcano.html"
  },
  {
    file: "loom.mhtml",
    build: async () => MHTML,
    question: "What did the Jacquard loom read to weave brocade?",
    source: "loom.mhtml"
  },
  {
    file: "report.pdf",
    build: () =>
      buildPdf([{text: "Quarterly revenue grew in the northern sales region."}, {text: "The penguin colony on Deception Island counts nine thousand pairs."}]),
    question: "How many penguin pairs breed on Deception Island?",
    source: "report.pdf",
    page: 2
  },
  {
    file: "letter.docx",
    build: async () => makeDocx(docxParagraph("Instruments", "Heading1") + docxParagraph("A harpsichord plucks its strings with quills rather than striking them with hammers.")),
    question: "What plucks the strings of a harpsichord?",
    source: "letter.docx"
  },
  {
    file: "deck.pptx",
    build: async () => makePptx([{title: "Planets", paragraphs: ["Saturn's rings are made mostly of water ice."]}]),
    question: "What are the rings of Saturn made of?",
    source: "deck.pptx"
  },
  {
    file: "fruit.xlsx",
    build: async () => makeXlsx([{name: "Fruit", rows: [["Fruit", "Origin"], ["Durian", "the rainforests of Borneo"]]}]),
    question: "Where does the durian fruit originate?",
    source: "fruit.xlsx"
  },
  {
    file: "essay.odt",
    build: async () => makeOdt("<text:h>Amphibians</text:h><text:p>The axolotl regrows lost limbs within a few weeks.</text:p>"),
    question: "Which amphibian regrows its limbs?",
    source: "essay.odt"
  },
  {
    file: "metals.ods",
    build: async () => makeOds(ODS_TABLE),
    question: "At what temperature does tungsten melt?",
    source: "metals.ods"
  },
  {
    file: "novel.epub",
    build: async () =>
      makeEpub({
        title: "Voyages",
        chapters: [{id: "c1", title: "Under the ice", paragraphs: ["The Nautilus submarine dives beneath the polar ice shelf."]}],
        spine: ["c1"]
      }),
    question: "Where does the Nautilus submarine dive?",
    source: "novel.epub"
  },
  {
    file: "minutes.eml",
    build: async () => EML,
    question: "Who trains peregrine falcons at the airport?",
    source: "minutes.eml!/minutes.txt"
  },
  {
    file: "cities.csv",
    build: async () => "city,landmark\nParis,Eiffel Tower\nAgra,Taj Mahal marble mausoleum\n",
    question: "Which city is home to the Taj Mahal?",
    source: "cities.csv#row=2"
  },
  {
    file: "rivers.tsv",
    build: async () => "river\tfact\nNile\t6650 km long\nDanube\tflows through Vienna and Budapest\n",
    question: "Which river runs through Vienna?",
    source: "rivers.tsv#row=2"
  },
  {
    file: "animals.json",
    build: async () => JSON.stringify([{animal: "octopus", fact: "An octopus has three hearts and blue blood."}, {animal: "giraffe", fact: "A giraffe sleeps two hours a day."}]),
    question: "How many hearts does an octopus have?",
    source: "animals.json#item=1"
  },
  {
    file: "events.jsonl",
    build: async () => '{"year": 1969, "event": "Apollo astronauts landed on the Moon"}\n{"year": 1912, "event": "The Titanic struck an iceberg"}\n',
    question: "When did the Titanic hit an iceberg?",
    source: "events.jsonl#line=2"
  },
  {
    file: "wiki.parquet",
    build: async () =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            {name: "url", data: ["https://example.org/wiki/Okapi", "https://example.org/wiki/Quokka"], type: "STRING"},
            {name: "title", data: ["Okapi", "Quokka"], type: "STRING"},
            {name: "text", data: ["The okapi is a forest giraffid of the Ituri rainforest.", "The quokka is a small wallaby of Rottnest Island."], type: "STRING"}
          ]
        })
      ),
    question: "Where does the quokka wallaby live?",
    source: "https://example.org/wiki/Quokka"
  },
  {
    file: "bundle.zip",
    build: async () =>
      zipSync({
        "dir/b.md": strToU8("# Antiquity\n\nThe Antikythera mechanism predicted eclipses with bronze gears.\n"),
        "inner.tar.gz": gzipSync(makeTar([{name: "deep.txt", data: "A tardigrade survives the vacuum of outer space.\n"}]))
      }),
    question: "What predicted eclipses with bronze gears?",
    source: "bundle.zip!/dir/b.md"
  },
  {
    file: "bundle.zip",
    build: async () => "",
    question: "Which creature survives the vacuum of space?",
    source: "bundle.zip!/inner.tar.gz!/deep.txt"
  },
  {
    file: "narwhal.txt.gz",
    build: async () => gzipSync(strToU8("The narwhal tusk is an elongated canine tooth.\n")),
    question: "What is the tusk of a narwhal?",
    source: "narwhal.txt.gz"
  },
  {
    file: "sign.png",
    build: () => textImage("The bakery opens at seven"),
    question: "When does the bakery open?",
    source: "sign.png",
    ocr: true
  },
  {
    file: "scan.pdf",
    build: async () => buildPdf([{png: await textImage("Zeppelin hangar tours")}]),
    question: "Are there tours of the zeppelin hangar?",
    source: "scan.pdf",
    page: 1,
    ocr: true
  }
];

const corpus = join(root, "corpus");
const active = FACTS.filter((fact) => hasOcrTools || fact.ocr !== true);
const files = [...new Set(active.map((fact) => fact.file))];

describe("h2ogpt ingest + retrieve: every format through the command line", () => {
  let summary: Record<string, unknown>;
  let stderr: string;
  let code: number;

  beforeAll(async () => {
    await mkdir(corpus);
    for (const fact of active) {
      const content = await fact.build();
      if (content !== "") await writeFile(join(corpus, fact.file), content);
    }
    const run = await h2ogpt("ingest", "--langchain_mode=Formats", "--json", "corpus");
    code = run.code;
    stderr = run.err;
    summary = JSON.parse(run.out);
  }, 60_000);

  it("ingests every file, with no failure, and reports exact counts", () => {
    expect(summary.failures).toEqual([]);
    expect(code).toBe(0);
    // Documents: one per plain file; cities.csv, rivers.tsv, animals.json, events.jsonl, wiki.parquet have 2 each;
    // bundle.zip has 2 members; minutes.eml has its body and its attachment.
    const multi = 5 * 2 + 2 + 2;
    const singles = files.length - 7;
    expect(summary).toMatchObject({
      langchain_mode: "Formats",
      added: files.length,
      updated: 0,
      unchanged: 0,
      failed: 0,
      removed: 0,
      failure_count: 0,
      documents: singles + multi
    });
    expect(summary.collection).toMatchObject({files: files.length, documents: singles + multi, chunks: summary.chunks});
    expect(summary.chunks).toBeGreaterThanOrEqual(singles + multi);
  });

  it("finds each fact's exact source (row, member, page) in the top 3 for a paraphrased question", async () => {
    const misses: string[] = [];
    for (const fact of active) {
      const expected = fact.source.startsWith("https://") ? fact.source : join(corpus, fact.source);
      const sources = await retrieveSources("Formats", fact.question);
      expect(sources.length).toBeLessThanOrEqual(3);
      const hit = sources.find((source) => source.source === expected && (fact.page === undefined || source.page === fact.page));
      if (hit == null)
        misses.push(`${fact.question} -> expected ${fact.source}${fact.page ? ` page ${fact.page}` : ""}; got ${sources.map((s) => `${s.source.replace(corpus + "/", "")}@${s.page}`).join(", ")}`);
    }
    expect(misses).toEqual([]);
  });

  it("never turns a script into text", async () => {
    const sources = await retrieveSources("Formats", "never indexed stromboli", 10);
    expect(sources.some((source) => source.content.includes("never indexed"))).toBe(false);
  });

  it("keeps stderr quiet for a small run when it is not a terminal", () => {
    // The non-TTY progress writes a plain line at most every 5 s (the first at once), plus its final line: no flood,
    // no carriage returns, and the last line has the final counts.
    const lines = stderr.split("\n").filter(Boolean);
    expect(stderr).not.toContain("\r");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^ingest {2}/);
    expect(lines.at(-1)).toContain(`files ${files.length}/${files.length}  chunks ${summary.chunks as number} (`);
  });

  it("prints the readable summary on stdout without --json (the same counts)", async () => {
    const run = await h2ogpt("ingest", "--langchain_mode=Formats", "corpus");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(new RegExp(`^Formats: 0 added, 0 updated, ${files.length} unchanged, 0 failed; 0 documents, 0 chunks, \\d+\\.\\d MB in \\d+\\.\\d s\\n$`));
    expect(run.err.split("\n").filter(Boolean).length).toBeLessThanOrEqual(3);
  });
});

describe("h2ogpt ingest: flags and refusals through the command line", () => {
  it("--text_column and --source_columns pick a JSONL dataset's text and sources", async () => {
    await writeFile(
      join(root, "links.jsonl"),
      [
        {link: "https://example.net/a", body: "Marmots hibernate for up to eight months in alpine burrows.", text: "ignored column"},
        {link: "https://example.net/b", body: "Hummingbirds beat their wings about fifty times per second.", text: "ignored too"}
      ]
        .map((row) => JSON.stringify(row))
        .join("\n") + "\n"
    );
    const run = await h2ogpt("ingest", "--langchain_mode=Links", "--text_column=body", "--source_columns=link", "--json", "links.jsonl");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({added: 1, documents: 2, failed: 0, failure_count: 0});
    const listed = JSON.parse((await h2ogpt("ingest", "--langchain_mode=Links", "--list", "--json")).out) as {documents: {source: string}[]};
    expect(listed.documents.map((document) => document.source)).toEqual(["https://example.net/a", "https://example.net/b"]);
    const [best] = await retrieveSources("Links", "How long do marmots hibernate?");
    expect(best).toMatchObject({source: "https://example.net/a", content: "Marmots hibernate for up to eight months in alpine burrows."});
  });

  it.skipIf(neoxTokenizerPath == null)("--chunk_size_tokens=64 --tokenizer keeps every chunk within 64 tokens", async () => {
    const sentences = Array.from(
      {length: 120},
      (_, i) => `Sentence ${i} tells of the ${["amber", "cobalt", "crimson", "ivory"][i % 4]} harbour where boat number ${i * 7} moored at dawn.`
    );
    const text = sentences.map((sentence, i) => (i % 10 === 9 ? `${sentence}\n\n` : `${sentence} `)).join("");
    await writeFile(join(root, "long.txt"), text);
    const run = await h2ogpt("ingest", "--langchain_mode=Tokens", "--chunk_size_tokens=64", `--tokenizer=${neoxTokenizerPath}`, "--json", "long.txt");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as {persist_path: string; chunks: number; documents: number};
    expect(summary.documents).toBe(1);
    const tokenizer = await loadTokenizer(neoxTokenizerPath!);
    const collection = DocumentCollection.open(summary.persist_path, {readonly: true});
    try {
      const chunks = collection.chunksInOrder();
      expect(chunks.length).toBe(summary.chunks);
      const counts = chunks.map((chunk) => tokenizer.count(chunk.content));
      expect(counts.filter((count) => count > 64)).toEqual([]);
      // Chunks are measured in tokens, not characters: 512-character chunks would be far fewer and larger, and
      // chunks never overlap here, so there are at least as many as 64-token pieces of the whole text.
      const total = tokenizer.count(text);
      expect(total).toBeGreaterThan(2000);
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(total / 64));
      expect(Math.max(...counts)).toBeGreaterThan(48);
    } finally {
      collection.close();
    }
  });

  it("refuses an archive bomb by its ratio with exit 1, and ingests the other files of the run", async () => {
    const folder = join(root, "bombrun");
    await mkdir(folder);
    const bomb = makeRawZip([{name: "zeros.bin", data: new Uint8Array(300 * 1024 * 1024)}]);
    const central = Buffer.from(bomb.buffer, bomb.byteOffset, bomb.byteLength).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const compressed = Buffer.from(bomb.buffer, bomb.byteOffset, bomb.byteLength).readUInt32LE(central + 20);
    await writeFile(join(folder, "bomb.zip"), bomb);
    await writeFile(join(folder, "fine.txt"), "Capybaras are the largest living rodents.\n");
    const run = await h2ogpt("ingest", "--langchain_mode=Bombs", "--json", "bombrun");
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.out);
    const size = 300 * 1024 * 1024;
    expect(summary).toMatchObject({
      added: 1,
      failed: 1,
      documents: 1,
      failure_count: 1,
      failures: [
        {
          source: join(folder, "bomb.zip"),
          reason: `archive refused: member "zeros.bin" expands ${compressed} bytes to ${size} (${Math.round(size / compressed)}x, limit 200x) (a zip bomb?)`
        }
      ]
    });
    const [best] = await retrieveSources("Bombs", "largest rodent");
    expect(best!.source).toBe(join(folder, "fine.txt"));
  }, 20_000);

  it("lists a URL as failed without --allow_urls", async () => {
    await writeFile(join(root, "plain.txt"), "Walruses use their tusks to haul out onto ice.\n");
    const run = await h2ogpt("ingest", "--langchain_mode=Urls", "--json", "plain.txt", "http://example.com/x.html");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.out)).toMatchObject({
      added: 1,
      failed: 1,
      documents: 1,
      failure_count: 1,
      failures: [{source: "http://example.com/x.html", reason: "URLs are fetched only with --allow_urls"}]
    });
  });

  it("with --allow_urls refuses a loopback address (the SSRF guard) without fetching it", async () => {
    let requests = 0;
    const server: Server = createServer((_request, response) => {
      requests++;
      response.setHeader("content-type", "text/html");
      response.end("<html><body><p>Secret internal page.</p></body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.html`;
      const run = await h2ogpt("ingest", "--langchain_mode=Urls2", "--allow_urls", "--json", url);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.out)).toMatchObject({
        added: 0,
        failed: 1,
        documents: 0,
        failure_count: 1,
        failures: [{source: url, reason: "refused: 127.0.0.1 is a loopback address"}]
      });
      expect(requests).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("--remove_missing deletes a deleted file's documents (--list --json before and after)", async () => {
    const folder = join(root, "synced");
    await mkdir(folder);
    await writeFile(join(folder, "keep.txt"), "Pangolins are covered in keratin scales.\n");
    await writeFile(join(folder, "gone.csv"), "name,fact\nemu,cannot walk backwards\nkiwi,lays huge eggs\n");
    expect((await h2ogpt("ingest", "--langchain_mode=Synced", "synced")).code).toBe(0);
    const list = async () =>
      (JSON.parse((await h2ogpt("ingest", "--langchain_mode=Synced", "--list", "--json")).out) as {documents: {source: string}[]}).documents.map((d) => d.source);
    expect(await list()).toEqual([join(folder, "gone.csv#row=1"), join(folder, "gone.csv#row=2"), join(folder, "keep.txt")]);

    await unlink(join(folder, "gone.csv"));
    const run = await h2ogpt("ingest", "--langchain_mode=Synced", "--remove_missing", "--json", "synced");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({added: 0, unchanged: 1, removed: 1, failed: 0, failure_count: 0, collection: {files: 1, documents: 1}});
    expect(await list()).toEqual([join(folder, "keep.txt")]);
    expect((await retrieveSources("Synced", "emu walk backwards")).map((source) => source.source)).toEqual([]);
  });
});
