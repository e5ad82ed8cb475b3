import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import hf from "tokenizers";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {DEFAULT_MODEL_NOTICE} from "../../src/engine/index.js";
import {vocabularyMetadata} from "../../src/gguf/index.js";
import {stopStrings, TOKEN_STOP_RULES} from "../../src/prompts/index.js";
import {byteLevelAlphabet, END_OF_TEXT, trainByteLevelBpe} from "../../scripts/train-default/bpe-tokenizer.js";
import {sampleQuestions} from "../../scripts/train-default/check-answers.js";
import {documentChunks, qaRecords, readFaq} from "../../scripts/train-default/corpus.js";
import {projectRoot} from "../support/shared.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-recipe-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("the default model's data", () => {
  it("has a few hundred human_bot question/answer records, each answer asked several ways", async () => {
    const faq = await readFaq(join(projectRoot, "data/default-model/faq.json"));
    const records = qaRecords(faq);
    expect(records.length).toBeGreaterThanOrEqual(250);
    expect(new Set(records.map((r) => r.prompt_type))).toEqual(new Set(["human_bot"]));
    expect(faq.every((entry) => entry.questions.length >= 3)).toBe(true);
    // human_bot puts the answer right after "<bot>:"; an answer starting with punctuation would merge with ":" into
    // one pre-token in training but not in the prompt at inference, so every answer starts with a letter or digit.
    expect(faq.filter((entry) => !/^[A-Za-z0-9]/.test(entry.answer))).toEqual([]);
    const questions = records.map((r) => r.input);
    expect(new Set(questions).size).toBe(questions.length);
    expect(sampleQuestions(faq, 20)).toEqual(sampleQuestions(faq, 20));
    expect(new Set(sampleQuestions(faq, 20).map((q) => q.question)).size).toBe(20);
  });

  it("has no answer that its own prompt type's stop strings would cut short", async () => {
    const records = qaRecords(await readFaq(join(projectRoot, "data/default-model/faq.json")));
    const cut = records.flatMap((record) => {
      const stops = [...stopStrings({promptType: record.prompt_type}), ...(TOKEN_STOP_RULES[record.prompt_type] ?? []).map((rule) => rule.text)];
      return stops.filter((stop) => record.output.includes(stop)).map((stop) => `${record.input} -> ${JSON.stringify(stop)}`);
    });
    expect(cut).toEqual([]);
  });

  it("gives the training time the notice and the docs give", async () => {
    const faq = await readFaq(join(projectRoot, "data/default-model/faq.json"));
    const durations = (text: string): string[] => [...text.matchAll(/about ((?:half )?an? hour|[\w-]+ hours|[\w-]+ minutes)/g)].map((match) => match[1]!);
    const trained = faq.find((entry) => entry.questions.includes("How were you trained?"))!.answer;
    const recipe = /trained by `h2ogpt finetune --full` itself \([^)]*\)/.exec(await readFile(join(projectRoot, "docs/finetune.md"), "utf8"))![0];
    const said = {faq: durations(trained), notice: durations(DEFAULT_MODEL_NOTICE), docs: durations(recipe)};
    expect(said.faq).toHaveLength(1);
    expect(said).toEqual({faq: said.faq, notice: said.faq, docs: said.faq});
  });

  it("cuts documents at paragraphs into pieces no longer than asked, named after their file", async () => {
    const path = join(dir, "guide.md");
    await writeFile(path, `# Title\n\n${"word ".repeat(30)}\n\n${"x".repeat(250)}\n\nlast paragraph\n`);
    const chunks = await documentChunks([path], 100);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const chunk of chunks) {
      expect(chunk.text.startsWith("guide.md:\n")).toBe(true);
      expect(chunk.text.length).toBeLessThanOrEqual("guide.md:\n".length + 100);
    }
    expect(chunks.map((c) => c.text.slice("guide.md:\n".length)).join("")).toContain("last paragraph");
  });
});

describe("the default model's byte-level BPE", () => {
  it("keeps exactly the asked vocabulary: <|endoftext|>, 256 byte symbols, then merges in learned order", async () => {
    const corpus = join(dir, "corpus.txt");
    await writeFile(corpus, Array.from({length: 200}, (_, i) => `<human>: What is cutoff_len number ${i}?\n<bot>:cutoff_len is the most tokens a row keeps.`).join("\n\n"));
    const json = trainByteLevelBpe([corpus], 400) as {model: {vocab: Record<string, number>; merges: string[]}; added_tokens: {content: string; id: number}[]};
    const vocab = json.model.vocab;
    expect(Object.keys(vocab)).toHaveLength(400);
    expect(vocab[END_OF_TEXT]).toBe(0);
    byteLevelAlphabet().forEach((symbol, byte) => expect(vocab[symbol]).toBe(byte + 1));
    expect(json.model.merges).toHaveLength(400 - 257);
    expect(() => trainByteLevelBpe([corpus], 100_000)).toThrow("the corpus yields only");

    const tokenizer = hf.Tokenizer.fromString(JSON.stringify(json));
    const text = "<human>: What is h2ogpt-ts? été 🙂\n<bot>:cutoff_len";
    const encoding = await tokenizer.encode(text);
    expect(await tokenizer.decode(encoding.getIds(), false)).toBe(text);
    expect(encoding.getIds().length).toBeLessThan(Buffer.byteLength(text));

    await writeFile(join(dir, "tokenizer.json"), JSON.stringify(json));
    await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify({bos_token: END_OF_TEXT, eos_token: END_OF_TEXT}));
    const gguf = await vocabularyMetadata({tokenizerJson: dir});
    expect(gguf.size).toBe(400);
    expect(gguf.metadata["tokenizer.ggml.model"]?.value).toBe("gpt2");
    expect(gguf.metadata["tokenizer.ggml.eos_token_id"]?.value).toBe(0);
  });
});
