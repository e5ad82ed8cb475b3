import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {InputFileError, NotSupportedError, UsageError} from "../errors/index.js";
import {loadTokenizer, type Tokenizer, UnknownTokenIdError} from "./index.js";

/** The FAQ's ids (research note §2): GPT-NeoX-20B's, none of which GPT-2's vocabulary gives. */
const FAQ_IDS: readonly (readonly [string, number])[] = [
  ["osed", 1700],
  ["ised", 1701],
  ["================", 1702],
  ["ED", 1703],
  ["sec", 1704],
  [" come", 1705],
  ["34", 1706],
  [" There", 1707],
  [" light", 1708],
  [" associ", 1709],
  ["gram", 1710],
  [" old", 1711],
  [" {#", 1712]
];

describe.skipIf(neoxTokenizerPath === undefined)("GPT-NeoX-20B tokenizer.json", () => {
  let tokenizer: Tokenizer;
  let dir: string;
  beforeAll(async () => {
    tokenizer = await loadTokenizer(neoxTokenizerPath!);
    dir = mkdtempSync(join(tmpdir(), "h2ogpt-neox-"));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("gives the FAQ's ids", () => {
    for (const [text, id] of FAQ_IDS) expect(tokenizer.encode(text), JSON.stringify(text)).toEqual([id]);
  });

  it("extracts runs of 2-24 spaces as added tokens before BPE", () => {
    expect(tokenizer.encode("   three")).toEqual([50275, 13524]);
    expect(tokenizer.encode(" ".repeat(30) + "x")).toEqual([50254, 50272, 89]);
    expect(tokenizer.encode("a b")).toEqual([66, 270]);
  });

  it("keeps GPT-2's white-space and contraction rules", () => {
    expect(tokenizer.encode("\n\n## Summary\n\n")).toEqual([187, 187, 817, 18435, 535]);
    expect(tokenizer.encode("don't I'M we'll they'RE")).toEqual([9903, 626, 309, 8, 46, 359, 1833, 597, 8, 1848]);
    expect(tokenizer.encode("\ufeff're")).toEqual([41497, 8, 250]);
    expect(tokenizer.encode(" \ufeffx")).toEqual([35762, 89]);
    expect(tokenizer.encode("a\ud800b")).toEqual([66, 21478, 67]);
  });

  it("recognises special-token text by default, and keeps it literal when asked", () => {
    const text = "Hello<|endoftext|>World<|padding|>!";
    expect(tokenizer.encode(text)).toEqual([12092, 0, 14947, 1, 2]);
    const literal = tokenizer.encode(text, {recognizeSpecialTokens: false});
    expect(literal).not.toContain(0);
    expect(literal).not.toContain(1);
    expect(tokenizer.decode(literal)).toBe(text);
  });

  it("adds no BOS or EOS: the post-processor is ByteLevel", () => {
    expect(tokenizer.encode("Hello")).toEqual([12092]);
    expect(tokenizer.encode("Hello", {addSpecialTokens: false})).toEqual([12092]);
    expect(tokenizer.count("Hello world")).toBe(2);
  });

  it("reports the special tokens, with <|endoftext|> as BOS and EOS, and no limit or template of its own", () => {
    expect(tokenizer.backend).toBe("fast-bpe");
    expect(tokenizer.specialTokens).toEqual([
      {id: 0, content: "<|endoftext|>"},
      {id: 1, content: "<|padding|>"}
    ]);
    expect([tokenizer.eosTokenId, tokenizer.eosToken, tokenizer.bosTokenId]).toEqual([0, "<|endoftext|>", 0]);
    expect(tokenizer.padTokenId).toBeUndefined();
    expect(tokenizer.vocabSize).toBe(50277);
    expect(tokenizer.modelMaxLength).toBeUndefined();
    expect(tokenizer.chatTemplate).toBeUndefined();
  });

  it("gives UTF-16 offsets that tile the text; pieces of one character share its span", () => {
    expect(tokenizer.encodeWithOffsets("Hello world")).toEqual({ids: [12092, 1533], offsets: [[0, 5], [5, 11]]});
    expect(tokenizer.encodeWithOffsets("a😀b").offsets).toEqual([[0, 1], [1, 3], [1, 3], [1, 3], [3, 4]]);
    expect(tokenizer.encodeWithOffsets("cafe\u0301 ok").offsets).toEqual([[0, 1], [1, 3], [3, 5], [5, 8]]);
    expect(tokenizer.encodeWithOffsets("<|endoftext|>hi").offsets).toEqual([[0, 13], [13, 15]]);
  });

  it("decodes byte-exactly, keeps a leading BOM, and skips special tokens when asked", () => {
    const text = "\ufeffline one\r\n\ttab \u0000 nul 😀 中文";
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.decode([12092, 0, 14947], {skipSpecialTokens: true})).toBe("HelloWorld");
    expect(tokenizer.decode([12092, 0])).toBe("Hello<|endoftext|>");
    const long = "ab".repeat(10_000);
    expect(tokenizer.decode(tokenizer.encode(long))).toBe(long);
  });

  it("refuses ids outside the vocabulary with a usage error naming the id", () => {
    expect(() => tokenizer.decode([12092, 50277])).toThrow(UnknownTokenIdError);
    expect(() => tokenizer.decode([-1])).toThrow("token id -1 is not in the vocabulary (ids are integers from 0 to 50276)");
    expect(() => tokenizer.decode([1.5])).toThrow(UsageError);
  });

  it("reads tokenizer_config.json beside the file: special tokens, model_max_length, chat_template", async () => {
    const folder = join(dir, "with-config");
    mkdirSync(folder);
    symlinkSync(neoxTokenizerPath!, join(folder, "tokenizer.json"));
    writeFileSync(
      join(folder, "tokenizer_config.json"),
      JSON.stringify({
        eos_token: {content: "<|endoftext|>", __type: "AddedToken"},
        pad_token: "<|padding|>",
        model_max_length: 2048,
        chat_template: [{name: "default", template: "{{ messages[0]['content'] }}"}],
        clean_up_tokenization_spaces: true
      })
    );
    const configured = await loadTokenizer(folder);
    expect([configured.padTokenId, configured.padToken, configured.eosTokenId]).toEqual([1, "<|padding|>", 0]);
    expect(configured.modelMaxLength).toBe(2048);
    expect(configured.chatTemplate).toBe("{{ messages[0]['content'] }}");
    expect(configured.decode(configured.encode("Hi , there ."))).toBe("Hi, there.");
  });

  it("reads chat_template.jinja and treats transformers' huge model_max_length as unset", async () => {
    const folder = join(dir, "with-jinja");
    mkdirSync(folder);
    symlinkSync(neoxTokenizerPath!, join(folder, "tokenizer.json"));
    writeFileSync(join(folder, "tokenizer_config.json"), JSON.stringify({model_max_length: 1e30}));
    writeFileSync(join(folder, "chat_template.jinja"), "{% for m in messages %}{{ m.content }}{% endfor %}");
    const configured = await loadTokenizer(folder);
    expect(configured.modelMaxLength).toBeUndefined();
    expect(configured.chatTemplate).toBe("{% for m in messages %}{{ m.content }}{% endfor %}");
  });

  it("names the file and the problem when a file is missing or broken", async () => {
    await expect(loadTokenizer(join(dir, "absent.json"))).rejects.toThrow(InputFileError);
    await expect(loadTokenizer(dir)).rejects.toThrow("folder has no tokenizer.json");
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{\"model\": ");
    await expect(loadTokenizer(broken)).rejects.toThrow(`${broken}: not valid JSON`);
    const badMerge = join(dir, "bad-merge.json");
    writeFileSync(badMerge, JSON.stringify({model: {type: "BPE", vocab: {a: 0, b: 1}, merges: ["a b"]}, pre_tokenizer: {type: "ByteLevel"}}));
    await expect(loadTokenizer(badMerge)).rejects.toThrow(InputFileError);
    const config = join(dir, "bad-config");
    mkdirSync(config);
    symlinkSync(neoxTokenizerPath!, join(config, "tokenizer.json"));
    writeFileSync(join(config, "tokenizer_config.json"), "[1, 2");
    await expect(loadTokenizer(config)).rejects.toThrow(`${join(config, "tokenizer_config.json")}: not valid JSON`);
  });

  it("refuses to read a tokenizer.json with the llama.cpp backend", async () => {
    await expect(loadTokenizer(neoxTokenizerPath!, {backend: "llama.cpp"})).rejects.toThrow(NotSupportedError);
  });
});
