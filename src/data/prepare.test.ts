import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {fixture, jsonl, tempDir} from "../../test/data/helpers.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {renderConversationTraining} from "../prompts/index.js";
import {prepare, type PreparedRow} from "./prepare.js";
import type {PrepareOptions} from "./prepare-options.js";
import {RecordError} from "./data-errors.js";

const dir = await tempDir();
let tokenizer: Tokenizer;
beforeAll(async () => {
  if (neoxTokenizerPath != null) tokenizer = await loadTokenizer(neoxTokenizerPath);
});
afterAll(() => tokenizer?.dispose());

async function run(options: Omit<PrepareOptions, "tokenizer">): Promise<{rows: PreparedRow[]; report: Awaited<ReturnType<ReturnType<typeof prepare>["report"]>>}> {
  const prepared = prepare({tokenizer, workers: 0, ...options});
  const rows: PreparedRow[] = [];
  for await (const row of prepared) rows.push(row);
  return {rows, report: await prepared.report()};
}

async function records(name: string, values: readonly unknown[]): Promise<string> {
  return fixture(dir, name, jsonl(values));
}

describe.skipIf(neoxTokenizerPath == null)("prepare (GPT-NeoX tokenizer)", () => {
  it("renders the FAQ's records with h2oGPT's real formats", async () => {
    const path = await records("faq.jsonl", [
      {input: "Who are you?", output: "My name is h2oGPT.", prompt_type: "human_bot"},
      {input: "Who are you?", output: "My name is h2oGPT.", prompt_type: "plain"},
      {instruction: "", input: "Long long long text.", output: "text.", prompt_type: "summarize"}
    ]);
    const {rows} = await run({dataPath: path});
    expect(rows.map((row) => row.text)).toEqual([
      "<human>: Who are you?\n<bot>:My name is h2oGPT.",
      "Who are you?\nMy name is h2oGPT.",
      "## Main Text\n\nLong long long text.\n\n\n## Summary\n\ntext."
    ]);
    expect(rows.map((row) => row.promptType)).toEqual(["human_bot", "plain", "summarize"]);
    expect(rows[0]!.source).toEqual({file: path, line: 1});
  });

  it("keeps the first answer token trained when the prompt's trailing space merges into it (ĠHello)", async () => {
    const promptDict = {PreInstruct: "<human>: ", PreResponse: "<bot>: ", terminate_response: ["<human>:"]};
    const path = await records("hello.jsonl", [{instruction: "Hi", output: "Hello", prompt_type: "custom", prompt_dict: promptDict}]);
    const {rows} = await run({dataPath: path, trainOnInputs: false});
    const row = rows[0]!;
    expect(row.text).toBe("<human>: Hi\n<bot>: Hello");
    expect(tokenizer.decode([row.inputIds.at(-1)!])).toBe(" Hello");
    expect(row.labels.at(-1)).toBe(row.inputIds.at(-1));
    expect(Array.from(row.labels.subarray(0, -1)).every((label) => label === -100)).toBe(true);
    // h2oGPT masks as many tokens as the prompt alone has: that count covers the whole row here (the off-by-one).
    expect(tokenizer.encode("<human>: Hi\n<bot>: ").length).toBe(row.inputIds.length);
  });

  it("trains on everything by default and masks the prompt with trainOnInputs false", async () => {
    const path = await records("mask.jsonl", [{instruction: "What is 2+2?", output: "Four.", prompt_type: "human_bot"}]);
    const trained = (await run({dataPath: path})).rows[0]!;
    expect(Array.from(trained.labels)).toEqual(Array.from(trained.inputIds));
    expect(Array.from(trained.attentionMask)).toEqual(Array(trained.inputIds.length).fill(1));
    const masked = (await run({dataPath: path, trainOnInputs: false})).rows[0]!;
    const answer = masked.labels.filter((label) => label !== -100);
    expect(tokenizer.decode(Array.from(answer))).toBe("Four.");
  });

  it("renders conversations: history as the chat prompt renders it, the last assistant turn trained", async () => {
    const messages = [
      {role: "user", content: "Hi"},
      {role: "assistant", content: "Hello!"},
      {role: "user", content: "Who are you?"},
      {role: "assistant", content: "h2oGPT."}
    ];
    const sharegpt = messages.map((m) => ({from: m.role === "user" ? "human" : "gpt", value: m.content}));
    const path = await records("chat.jsonl", [{messages}, {conversations: sharegpt}]);
    const {rows} = await run({dataPath: path, promptType: "human_bot", trainOnInputs: false});
    const expected = renderConversationTraining({promptType: "human_bot", messages});
    expect(rows.map((row) => row.text)).toEqual([expected.text, expected.text]);
    expect(tokenizer.decode(Array.from(rows[0]!.labels.filter((label) => label !== -100)))).toBe("h2oGPT.");
  });

  it("uses text records as they are, and renames columns with data_col_dict in both spellings", async () => {
    const path = await records("cols.jsonl", [{q: "Who?", a: "Me."}, {text: "Plain text."}]);
    for (const dataColDict of ["{'q': 'input', 'a': 'output'}", '{"q": "input", "a": "output"}']) {
      const {rows} = await run({dataPath: path, dataColDict, promptType: "human_bot"});
      expect(rows.map((row) => [row.text, row.promptType])).toEqual([
        ["<human>: Who?\n<bot>:Me.", "human_bot"],
        ["Plain text.", "plain"]
      ]);
    }
    const {report} = await run({dataPath: path, dataColDict: {q: "input", missing: "output"}});
    expect(report.warnings).toEqual(["--data_col_dict: no record has a column 'missing'"]);
  });

  it("counts every bad record under its reason with file:line, and read = written + dropped", async () => {
    const lines = [
      JSON.stringify({input: "ok", output: "fine"}),
      "{not json",
      JSON.stringify([1, 2]),
      JSON.stringify({input: "q", output: 42}),
      JSON.stringify({other: "x"}),
      JSON.stringify({input: "q", output: "a", prompt_type: "nope"}),
      JSON.stringify({input: "q", output: "a", prompt_type: "custom", prompt_dict: "{'PreInstruct': }"}),
      JSON.stringify({messages: [{role: "robot", content: "x"}]}),
      JSON.stringify({input: "boom", output: "a", prompt_type: "template"}),
      JSON.stringify({input: "long ".repeat(400), output: "a"}),
      JSON.stringify({input: "question only"}),
      JSON.stringify({input: "x".repeat(5000), output: "too large"})
    ];
    const bytes = Buffer.concat([Buffer.from(lines.join("\n") + "\n"), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]);
    const path = await fixture(dir, "bad.jsonl", bytes);
    const chatTemplate = "{% for m in messages %}{% if m['content'] == 'boom' %}{{ raise_exception('no boom') }}{% endif %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}";
    const options = {dataPath: path, trainOnInputs: false, cutoffLen: 64, maxRecordBytes: 4000, chatTemplate} as const;
    const {rows, report} = await run({...options, excessLengthStrategy: "drop"});
    expect(rows.map((row) => row.source.line)).toEqual([1]);
    expect(report.dropped).toEqual({
      malformed_json: 1,
      not_an_object: 1,
      wrong_field_type: 1,
      empty_record: 1,
      unknown_prompt_type: 1,
      bad_prompt_dict: 1,
      bad_conversation: 1,
      render_failed: 1,
      too_long: 1,
      no_trained_tokens: 1,
      record_too_large: 1,
      invalid_utf8: 1
    });
    expect(report.examples.wrong_field_type).toEqual([`${path}:4`]);
    expect(report.exampleDetails.wrong_field_type).toEqual(["field 'output' is a number, expected a string"]);
    expect(report.examples.too_long).toEqual([`${path}:10`]);
    expect(report.exampleDetails.no_trained_tokens).toEqual(["the answer is empty and --train_on_inputs is false"]);
    expect(report.read).toBe(13);
    expect(report.read).toBe(report.written + Object.values(report.dropped).reduce((a, b) => a + b, 0));
  });

  it("keeps at most five examples per reason", async () => {
    const path = await fixture(dir, "many.jsonl", "x\n".repeat(8));
    const {report} = await run({dataPath: path});
    expect(report.dropped).toEqual({malformed_json: 8});
    expect(report.examples.malformed_json).toEqual([1, 2, 3, 4, 5].map((line) => `${path}:${line}`));
  });

  it("stops at the first problem under strict, naming file:line and the reason", async () => {
    const path = await records("strict.jsonl", [{input: "ok", output: "a"}, {input: "q", output: 1}, {}]);
    const error = await run({dataPath: path, strict: true}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).exitCode).toBe(1);
    expect((error as Error).message).toBe(`${path}:2: wrong_field_type: field 'output' is a number, expected a string`);
  });

  it("truncates (keeping the first tokens), drops, or raises at cutoffLen", async () => {
    const path = await records("len.jsonl", [{input: "one two three four five six seven eight", output: "nine ten"}, {input: "a", output: "b"}]);
    const truncated = await run({dataPath: path, cutoffLen: 5});
    expect(truncated.rows.map((row) => row.inputIds.length)).toEqual([5, 3]);
    expect(truncated.rows.map((row) => row.truncated)).toEqual([true, false]);
    expect(truncated.report.truncated).toBe(1);
    expect(truncated.report.lengths.max).toBeGreaterThan(5);
    const dropped = await run({dataPath: path, cutoffLen: 5, excessLengthStrategy: "drop"});
    expect(dropped.rows.length).toBe(1);
    expect(dropped.report.dropped).toEqual({too_long: 1});
    await expect(run({dataPath: path, cutoffLen: 5, excessLengthStrategy: "raise"})).rejects.toThrow(
      `${path}:1: too_long: 11 tokens is more than --cutoff_len 5 (--excess_length_strategy=raise)`
    );
  });

  it("appends EOS only when asked and when there is room (h2oGPT's rule)", async () => {
    const path = await records("eos.jsonl", [{input: "a", output: "b"}]);
    const plain = (await run({dataPath: path})).rows[0]!;
    const withEos = (await run({dataPath: path, addEosToken: true})).rows[0]!;
    expect(Array.from(withEos.inputIds)).toEqual([...plain.inputIds, 0]);
    expect(withEos.labels.at(-1)).toBe(0);
    const full = (await run({dataPath: path, addEosToken: true, cutoffLen: plain.inputIds.length})).rows[0]!;
    expect(Array.from(full.inputIds)).toEqual(Array.from(plain.inputIds));
    expect(full.truncated).toBe(true);
  });

  it("splits validation rows deterministically: an exact count, the same rows for the same seed", async () => {
    const path = await records("split.jsonl", Array.from({length: 60}, (_, i) => ({input: `q${i}`, output: `a${i}`})));
    const a = await run({dataPath: path, valSetSize: 10});
    const valid = a.rows.filter((row) => row.split === "valid").map((row) => row.source.line);
    expect(valid.length).toBe(10);
    expect(a.report.valid).toBe(10);
    expect(a.report.train).toBe(50);
    expect(a.rows.slice(-10).every((row) => row.split === "valid")).toBe(true);
    const b = await run({dataPath: path, valSetSize: 10});
    expect(b.rows.filter((row) => row.split === "valid").map((row) => row.source.line)).toEqual(valid);
    const c = await run({dataPath: path, valSetSize: 10, seed: 7});
    expect(c.rows.filter((row) => row.split === "valid").map((row) => row.source.line)).not.toEqual(valid);
    const fraction = await run({dataPath: path, valSetSize: 0.5});
    expect(fraction.report.valid).toBeGreaterThan(15);
    expect(fraction.report.valid).toBeLessThan(45);
  });

  it("shuffles deterministically with a bounded buffer", async () => {
    const path = await records("shuffle.jsonl", Array.from({length: 50}, (_, i) => ({input: `q${i}`, output: `a${i}`})));
    const lines = async (seed: number) => (await run({dataPath: path, shuffle: true, shuffleBufferSize: 8, seed})).rows.map((row) => row.source.line);
    const a = await lines(42);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({length: 50}, (_, i) => i + 1));
    expect(a).not.toEqual(Array.from({length: 50}, (_, i) => i + 1));
    expect(await lines(42)).toEqual(a);
  });

  it("gives the same rows in the same order on worker threads as on the calling thread", async () => {
    const path = await records("order.jsonl", Array.from({length: 3000}, (_, i) => ({input: `question ${i} `.repeat(1 + (i % 7)), output: `answer ${i}`})));
    const local = await run({dataPath: path, trainOnInputs: false});
    const threaded = await run({dataPath: path, trainOnInputs: false, workers: 2});
    expect(threaded.rows.length).toBe(3000);
    expect(threaded.rows.map((row) => row.source.line)).toEqual(local.rows.map((row) => row.source.line));
    expect(threaded.rows.map((row) => Array.from(row.labels))).toEqual(local.rows.map((row) => Array.from(row.labels)));
  });

  it("reports without iterating, and refuses a second iteration", async () => {
    const path = await records("report.jsonl", [{input: "a", output: "b"}]);
    const prepared = prepare({dataPath: path, tokenizer: neoxTokenizerPath!, workers: 0});
    expect((await prepared.report()).written).toBe(1);
    expect(() => prepared[Symbol.asyncIterator]()).toThrow("iterated only once");
  });

  it("fails with a usage error for a bad default prompt type, bad options, or a missing tokenizer", async () => {
    const path = await records("usage.jsonl", [{input: "a", output: "b"}]);
    await expect(run({dataPath: path, promptType: "nope"})).rejects.toMatchObject({exitCode: 2, message: 'unknown prompt_type "nope" (see h2ogpt prompt-types)'});
    expect(() => prepare({dataPath: path, tokenizer: neoxTokenizerPath!, cutoffLen: 0})).toThrow("--cutoff_len: expected a whole number");
    expect(() => prepare({dataPath: path, tokenizer: neoxTokenizerPath!, valSetSize: 1.5})).toThrow("--val_set_size");
    await expect(run({dataPath: path, tokenizer: `${dir}/none.json`} as PrepareOptions)).rejects.toMatchObject({exitCode: 2});
  });
});
