import {mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {runMain} from "../../test/support/run-main.js";
import {projectRoot} from "../../test/support/shared.js";
import {CollectionManager, ingest, type ScoredChunk} from "../docs/index.js";
import {unavailableOcr} from "../docs/loaders/test-fixtures/loader-fixtures.js";
import {createEngine, type Engine, type EngineGenerateOptions} from "../engine/index.js";
import {generateWithDocuments, PRE_PROMPT_SUMMARY} from "../generate/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-docqa-e2e-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const h2ogpt = (...args: string[]) => runMain(args, {cwd: dir});

describe("document Q&A with the built-in model", () => {
  it("answers from UserData with sources from the right document (h2ogpt ingest, then generate --json)", async () => {
    const docs = join(dir, "project-docs");
    await mkdir(docs);
    for (const name of ["finetune.md", "prepare.md", "serve.md", "tokenizers.md"])
      await writeFile(join(docs, name), await readFile(join(projectRoot, "docs", name)));
    expect((await h2ogpt("ingest", "--langchain_mode=UserData", docs)).code).toBe(0);

    const {code, out} = await h2ogpt(
      "generate",
      "--langchain_mode=UserData",
      "--instruction=Which learning rate schedule and warmup does LoRA fine-tuning use?",
      "--max_new_tokens=16",
      "--json"
    );
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.langchain_mode).toBe("UserData");
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.sources[0].source).toBe(join(docs, "finetune.md"));
    expect(result.prompt_raw).toContain("\n<all_documents>\n");
    expect(result.prompt_raw).toContain(result.sources[0].content);
    expect(result.prompt_tokens + result.max_new_tokens).toBeLessThanOrEqual(512);

    const text = await h2ogpt("generate", "--langchain_mode=UserData", "--instruction=How does serve limit request bodies?", "--max_new_tokens=8");
    expect(text.out).toMatch(/\n\nSources \[Score \| Link\]:\n[\d.]+ \| .*serve\.md\n(.*\n)*Total document chunks used: \d+\nEnd Sources\n$/);
  });

  it("summarizes a document 30 times larger than the context by map-reduce, every prompt fitting", async () => {
    const engine = await createEngine({});
    const prompts: {tokens: number; maxNewTokens: number}[] = [];
    // The real engine, recording what each generation is asked to hold.
    const recording: Engine = Object.create(engine, {
      generate: {
        value: (options: EngineGenerateOptions) => {
          const generation = engine.generate(options);
          void engine.countTokens(options.prompt).then((tokens) => prompts.push({tokens, maxNewTokens: options.maxNewTokens}));
          return generation;
        }
      }
    });
    const collections = new CollectionManager({persistDirectory: join(dir, "db"), ocr: unavailableOcr});
    try {
      const names = ["prompt-types.md", "finetune.md", "prepare.md", "generate.md", "tokenizers.md"];
      const paragraphs = (await Promise.all(names.map((name) => readFile(join(projectRoot, "docs", name), "utf8")))).join("\n\n");
      await ingest({collection: await collections.collection("local", "Big", {create: true}), inputs: [{name: "big.md", bytes: Buffer.from(paragraphs)}], ocr: unavailableOcr});
      const chunks: ScoredChunk[] = await (await collections.collection("local", "Big")).chunksInOrder();
      const documentTokens = (await Promise.all(chunks.map((chunk) => engine.countTokens(chunk.content)))).reduce((a, b) => a + b, 0);
      expect(documentTokens).toBeGreaterThan(30 * engine.info.contextLength);

      const {stream, result} = generateWithDocuments({
        engine: recording,
        langchainMode: "Big",
        langchainAction: "Summarize",
        maxNewTokens: 64,
        retriever: await collections.retriever("local", "Big")
      });
      for await (const _ of stream);
      const summary = await result;
      expect(summary.mapPrompts).toBeGreaterThan(30);
      expect(summary.chunksUsed).toBe(chunks.length);
      await new Promise((resolve) => setImmediate(resolve));
      expect(prompts).toHaveLength(summary.mapPrompts);
      for (const prompt of prompts) expect(prompt.tokens + prompt.maxNewTokens).toBeLessThanOrEqual(engine.info.contextLength);
      expect(summary.promptRaw).toContain(PRE_PROMPT_SUMMARY);
    } finally {
      await collections.close();
      await engine.close();
    }
  });
});
