import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {NotSupportedError} from "../errors/index.js";
import {renderChatPrompt, renderTrainingString} from "../prompts/index.js";
import {evaluateRecord, type EvalRecord} from "./index.js";

const instruction = (fields: Partial<Extract<EvalRecord, {kind: "instruction"}>>): EvalRecord => ({
  kind: "instruction",
  instruction: "",
  input: "",
  output: "",
  context: "",
  ...fields
});

describe("evaluateRecord (h2oGPT's eval mode, one record)", () => {
  const engine = new FakeEngine({script: [" Paris", ".", "\n<human>:", " more"]});
  const options = {engine, promptType: "human_bot"} as const;

  it("answers an instruction record with the run's prompt type and keeps the reference output", async () => {
    const line = await evaluateRecord(instruction({instruction: "Translate", input: "Good morning", output: "Bonjour"}), options);
    expect(line).toEqual({
      instruction: "Translate",
      input: "Good morning",
      output: "Bonjour",
      prompt_type: "human_bot",
      prompt: "<human>: Translate\nGood morning\n<bot>:",
      response: "Paris.",
      prompt_tokens: 5,
      completion_tokens: 3,
      max_new_tokens: 1024,
      stop_reason: "stop",
      turns_dropped: 0
    });
    expect(Object.keys(line)[0]).toBe("instruction");
  });

  it("answers a record with h2oGPT's context: the context, then the record's prompt (its training string's prompt)", async () => {
    const record = instruction({context: "Earlier: the user likes short answers.\n", instruction: "Name a color.", output: "Blue."});
    const line = await evaluateRecord(record, {...options, promptType: "instruct"});
    expect(line).toMatchObject({
      context: "Earlier: the user likes short answers.\n",
      instruction: "Name a color.",
      output: "Blue.",
      prompt: renderTrainingString({promptType: "instruct", record: {context: "Earlier: the user likes short answers.\n", instruction: "Name a color."}}).prompt,
      prompt_type: "instruct"
    });
    expect(line).toHaveProperty("response");
    expect(Object.keys(line).slice(0, 3)).toEqual(["context", "instruction", "input"]);
  });

  it("turns a context the model's chat template has no place for into an error line", async () => {
    const templated = new FakeEngine({chatTemplate: "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}", script: ["x"]});
    const line = await evaluateRecord(instruction({context: "Some context.", instruction: "Q"}), {engine: templated});
    expect(line).toEqual({context: "Some context.", instruction: "Q", input: "", error: expect.stringMatching(/^context: prompt_type template renders with the model's chat template, which has no place for a context/)});
    expect(templated.calls).toHaveLength(0);
  });

  it("lets a record's own prompt_type, prompt_dict and system_prompt override the run's", async () => {
    const plain = await evaluateRecord(instruction({instruction: "Who are you?", promptType: "plain"}), options);
    expect(plain).toMatchObject({prompt_type: "plain", prompt: "Who are you?\n"});
    const system = await evaluateRecord(instruction({instruction: "Who are you?", promptType: 29, systemPrompt: "Be brief."}), {...options, systemPrompt: "Be long."});
    expect(system).toMatchObject({prompt_type: "llama2", prompt: "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWho are you? [/INST]"});
    const custom = await evaluateRecord(instruction({instruction: "Q", promptType: "custom", promptDict: "{'PreInstruct': 'Q: ', 'PreResponse': 'A:'}"}), options);
    expect(custom).toMatchObject({prompt_type: "custom", prompt: expect.stringMatching(/^Q: Q[\s\S]*A:$/)});
  });

  it("answers the last user turn of a conversation after the earlier turns, with the assistant's reply as the reference", async () => {
    const turns = [
      {from: "system", value: "Be brief."},
      {from: "human", value: "Hi"},
      {from: "gpt", value: "Hello!"},
      {from: "human", value: "Who are you?"},
      {from: "gpt", value: "A bot."}
    ];
    const line = await evaluateRecord({kind: "conversation", turns, field: "conversations"}, options);
    const expected = renderChatPrompt({promptType: "human_bot", systemPrompt: "Be brief.", history: [["Hi", "Hello!"], ["Who are you?", null]]}).prompt;
    expect(line).toMatchObject({system_prompt: "Be brief.", history: [["Hi", "Hello!"]], instruction: "Who are you?", output: "A bot.", prompt: expected, response: "Paris."});
    const open = await evaluateRecord({kind: "conversation", turns: turns.slice(1, 4), field: "conversations"}, options);
    expect(open).toMatchObject({history: [["Hi", "Hello!"]], instruction: "Who are you?", response: "Paris."});
    expect(open).not.toHaveProperty("output");
    expect(open).not.toHaveProperty("system_prompt");
  });

  it("continues a text record as it is, with no prompt type", async () => {
    const line = await evaluateRecord({kind: "text", text: "Once upon a time"}, options);
    expect(line).toMatchObject({prompt_type: "plain", prompt: "Once upon a time", response: " Paris.\n<human>: more"});
  });

  it.each([
    [instruction({output: "only an answer"}), {output: "only an answer", error: "no instruction or input to answer"}],
    [instruction({instruction: "Q", promptType: "nonsense"}), {instruction: "Q", error: expect.stringContaining("nonsense")}],
    [{kind: "conversation", turns: [{role: "system", content: "S"}, {role: "assistant", content: "A"}], field: "messages"}, {error: "messages: has no user message to answer"}],
    [{kind: "conversation", turns: [{role: "robot", content: "A"}], field: "messages"}, {error: 'messages[0].role: "robot" is not system, user or assistant'}],
    [instruction({instruction: "word ".repeat(3000)}), {error: expect.stringMatching(/^prompt has \d+ tokens but the context holds 2048/)}]
  ] as const)("turns a record it cannot answer into an error line: %j", async (record, expected) => {
    const line = await evaluateRecord(record as EvalRecord, options);
    expect(line).toMatchObject(expected);
    expect(line).not.toHaveProperty("response");
  });

  it("throws what is not about the record (an unsupported setting)", async () => {
    await expect(evaluateRecord(instruction({instruction: "Q"}), {...options, numBeams: 2})).rejects.toBeInstanceOf(NotSupportedError);
  });
});
