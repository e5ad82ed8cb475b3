import {describe, expect, it} from "vitest";
import {h2ogptVectors as V} from "../../test/prompts/h2ogpt-vectors.js";
import {ChatHistoryError, ChatTemplateError, FAKE_SYSTEM_TURN_USER, renderChatPrompt, TemplateContextError, type ChatTemplate} from "./index.js";

const templates = V.chat_templates.templates;
const system = V.chat_templates.system;
const chatTemplate = (name: string): ChatTemplate => {
  const t = templates[name]!;
  return {template: t.template, bosToken: t.special.bos_token, eosToken: t.special.eos_token, source: `${name}.jinja`};
};
const expected = (name: string, key: string) => templates[name]!.renders[key]!.generation.value;

describe("renderChatPrompt with a prompt type", () => {
  it("sends a system prompt the format cannot hold as a first exchange, and can be told not to", () => {
    const fake = renderChatPrompt({promptType: "human_bot", systemPrompt: "Be brief.", history: [["Hi", null]]});
    expect(fake.prompt).toBe(`<human>: ${FAKE_SYSTEM_TURN_USER}\n<bot>: Be brief.\n<human>: Hi\n<bot>:`);
    expect(fake).toMatchObject({fakeSystemTurn: true, historyTurns: 0, systemPrompt: "Be brief.", promptType: "human_bot"});
    const none = renderChatPrompt({promptType: "human_bot", systemPrompt: "Be brief.", allowChatSystemPrompt: false, history: [["Hi", null]]});
    expect(none.prompt).toBe("<human>: Hi\n<bot>:");
  });

  it("keeps the system prompt when the oldest turns are dropped to fit a context", () => {
    const history = V.history3;
    const full = renderChatPrompt({promptType: "llama2", systemPrompt: "Be brief.", history});
    const shorter = renderChatPrompt({promptType: "llama2", systemPrompt: "Be brief.", history: history.slice(1)});
    expect(full.historyTurns).toBe(2);
    expect(shorter.historyTurns).toBe(1);
    expect(shorter.prompt).toBe("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHow are you? [/INST] I'm good </s><s>[INST] Go to the market? [/INST]");
    const fake = renderChatPrompt({promptType: "mistral", systemPrompt: "Be brief.", history: history.slice(2)});
    expect(fake.prompt).toBe(`<s>[INST] ${FAKE_SYSTEM_TURN_USER} [/INST]Be brief.</s> [INST] Go to the market? [/INST]`);
  });

  it("skips entries with a null user (h2oGPT's UI error rows) but counts them for the first-turn rule", () => {
    const prompt = renderChatPrompt({promptType: "human_bot", history: [[null, "error"], ["Hello!", "Hi!"], ["Bye", null]]}).prompt;
    expect(prompt).toBe("<human>: Hello!\n<bot>: Hi!\n<human>: Bye\n<bot>:");
  });

  it("places the pending message's input with the type's input marker, after history too", () => {
    const single = renderChatPrompt({promptType: "instruct", history: [["Translate", null]], input: "Good morning"});
    expect(single.prompt).toBe(
      "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n" +
        "\n### Instruction:\nTranslate\n### Input:\nGood morning\n\n### Response:\n"
    );
    const after = renderChatPrompt({promptType: "instruct", history: [["Hi", "Hello."], ["Translate", null]], input: "Good morning"});
    // promptA (the preamble for a turn with an input) once in front, the history, then the reduced turn.
    expect(after.prompt).toBe(
      "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n" +
        "\n### Instruction:\nHi\n\n### Response:\nHello.\n\n### Instruction:\nTranslate\n### Input:\nGood morning\n\n### Response:\n"
    );
    // An input without a message takes the message's place, with the role tag (the training-string fix).
    expect(renderChatPrompt({promptType: "human_bot", history: [["Hi", "Hello."], ["", null]], input: "Who are you?"}).prompt).toBe(
      "<human>: Hi\n<bot>: Hello.\n<human>: Who are you?\n<bot>:"
    );
  });

  it("puts a context before the single-turn prompt, or after the preamble when there is history", () => {
    const context = "<human>: Earlier?\n<bot>: Yes.\n";
    expect(renderChatPrompt({promptType: "human_bot", history: [["Now?", null]], context}).prompt).toBe(`${context}<human>: Now?\n<bot>:`);
    expect(renderChatPrompt({promptType: "vicuna11", systemPrompt: "Be brief.", history: [["Hi", "Hello."], ["Now?", null]], context: "CTX "}).prompt).toBe(
      "Be brief. CTX USER: Hi ASSISTANT: Hello.</s>USER: Now? ASSISTANT:"
    );
    // Only UI error rows before the message: no history text, so the single-turn form.
    expect(renderChatPrompt({promptType: "llama2", systemPrompt: "S", history: [[null, "error"], ["Now?", null]], context: "CTX\n"}).prompt).toBe(
      "CTX\n<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nNow? [/INST]"
    );
  });

  it("names what is wrong with a history", () => {
    expect(() => renderChatPrompt({promptType: "plain", history: []})).toThrow(ChatHistoryError);
    expect(() => renderChatPrompt({promptType: "plain", history: [["a", "b"]]})).toThrow("history[0][1]: the last turn must be [user, null]");
    expect(() => renderChatPrompt({promptType: "plain", history: [[null, null]]})).toThrow("history[0][0]: the last turn needs the user's message");
    expect(() => renderChatPrompt({promptType: "plain", history: [["a", 3 as unknown as string], ["b", null]]})).toThrow(
      "history[0][1]: expected a string or null"
    );
    expect(() => renderChatPrompt({promptType: "plain", history: ["hi" as unknown as [string, null]]})).toThrow(
      "history[0]: expected a [user, bot] pair"
    );
  });
});

describe("renderChatPrompt with a chat template", () => {
  it("renders the history with add_generation_prompt and the template's stop strings", () => {
    const chat = renderChatPrompt({promptType: "unknown", chatTemplate: chatTemplate("llama3"), history: V.history3});
    expect(chat.prompt).toBe(expected("llama3", "history3"));
    expect(chat.stop).toEqual(["<|eot_id|>"]);
    expect(chat).toMatchObject({usedChatTemplate: true, fakeSystemTurn: false, historyTurns: 2});
  });

  it("passes the system prompt as a system message when the template takes it", () => {
    for (const name of ["chatml", "llama2", "zephyr", "llama3"]) {
      const chat = renderChatPrompt({promptType: "template", systemPrompt: system, chatTemplate: chatTemplate(name), history: V.history3});
      expect(chat.prompt, name).toBe(expected(name, "system+history3"));
      expect(chat.fakeSystemTurn).toBe(false);
    }
  });

  it("falls back to h2oGPT's first exchange when the template raises on a system message", () => {
    for (const name of ["gemma", "mistral"]) {
      expect(templates[name]!.renders["system+history3"]!.generation.error, name).toBeDefined();
      const chat = renderChatPrompt({promptType: "", systemPrompt: system, chatTemplate: chatTemplate(name), history: V.history3});
      expect(chat.prompt, name).toBe(expected(name, "fake+history3"));
      expect(chat.fakeSystemTurn).toBe(true);
    }
  });

  it("falls back when the template silently drops the system message", () => {
    expect(expected("drops_system", "system+history1")).not.toContain(system);
    const chat = renderChatPrompt({promptType: "unknown", systemPrompt: system, chatTemplate: chatTemplate("drops_system"), history: V.history1});
    expect(chat.prompt).toBe(expected("drops_system", "fake+history1"));
  });

  it("joins an input to the message on a new line, and refuses a context the template has no place for", () => {
    const chat = renderChatPrompt({promptType: "unknown", chatTemplate: chatTemplate("chatml"), history: [["Translate", null]], input: "Good morning"});
    expect(chat.prompt).toBe("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nTranslate\nGood morning<|im_end|>\n<|im_start|>assistant\n");
    const render = () => renderChatPrompt({promptType: "template", chatTemplate: chatTemplate("chatml"), history: V.history1, context: "Earlier."});
    expect(render).toThrow(TemplateContextError);
    expect(render).toThrow(/^context: prompt_type template renders with the model's chat template, which has no place for a context/);
  });

  it("ignores the template for a concrete prompt type, as h2oGPT does", () => {
    const chat = renderChatPrompt({promptType: "human_bot", chatTemplate: chatTemplate("chatml"), history: V.history1});
    expect(chat.prompt).toBe("<human>: Go to the market?\n<bot>:");
  });

  it("reports a template that does not parse or that fails without a system prompt", () => {
    const broken = {template: "{% for m in messages %}", source: "broken.jinja"};
    expect(() => renderChatPrompt({promptType: "unknown", chatTemplate: broken, history: V.history1})).toThrow(
      /^chat template broken\.jinja: does not parse: /
    );
    const strict = {template: "{{ raise_exception('No chats today') }}", source: "strict.jinja"};
    expect(() => renderChatPrompt({promptType: "unknown", chatTemplate: strict, history: V.history1})).toThrow(
      new ChatTemplateError("strict.jinja", "No chats today")
    );
  });
});
