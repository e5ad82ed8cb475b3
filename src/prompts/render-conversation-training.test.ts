import {describe, expect, it} from "vitest";
import {h2ogptVectors as V} from "../../test/prompts/h2ogpt-vectors.js";
import {ConversationFormatError, normalizeConversation, renderConversationTraining, renderChatPrompt} from "./index.js";

const openai = [
  {role: "user", content: "Hello!"},
  {role: "assistant", content: "Hi!"},
  {role: "user", content: "How are you?"},
  {role: "assistant", content: "I'm good"},
  {role: "user", content: "Go to the market?"},
  {role: "assistant", content: "Yes, at noon."}
];
const sharegpt = openai.map(({role, content}) => ({from: role === "user" ? "human" : "gpt", value: content}));

describe("normalizeConversation", () => {
  it("reads OpenAI messages (text parts too) and ShareGPT conversations", () => {
    expect(normalizeConversation(sharegpt, "conversations")).toEqual(openai);
    expect(normalizeConversation([{role: "developer", content: [{type: "text", text: "Be "}, {type: "text", text: "brief."}]}])).toEqual([
      {role: "system", content: "Be brief."}
    ]);
  });

  it("names the field of a bad role or content, with a problem code the data stage can count", () => {
    const check = (value: unknown, field: string, problem: string, message: string) => {
      try {
        normalizeConversation(value, field);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConversationFormatError);
        expect({problem: (error as ConversationFormatError).problem, message: (error as Error).message}).toEqual({problem, message});
      }
    };
    check([{from: "observation", value: "x"}], "conversations", "bad-role", 'conversations[0].from: "observation" is not system, human or gpt');
    check([{role: "tool", content: "x"}], "messages", "bad-role", 'messages[0].role: "tool" is not system, user or assistant');
    check([{role: "user"}], "messages", "bad-content", "messages[0].content: expected text, got undefined");
    check([{role: "user", content: [{type: "image_url"}]}], "messages", "bad-content", "messages[0].content[0]: only text parts can be used");
    check("hi", "messages", "empty", "messages: expected a list of messages");
  });
});

describe("renderConversationTraining", () => {
  it("renders the history as the chat prompt does and the last answer as the output", () => {
    for (const messages of [openai, sharegpt]) {
      const {text, prompt} = renderConversationTraining({promptType: "human_bot", messages});
      const chat = renderChatPrompt({promptType: "human_bot", history: V.history3}).prompt;
      expect(prompt).toBe(chat);
      expect(text).toBe(`${chat}Yes, at noon.`);
    }
  });

  it("takes a leading system message as the system prompt", () => {
    const {prompt} = renderConversationTraining({promptType: "llama2", messages: [{role: "system", content: "Be brief."}, ...openai]});
    expect(prompt).toBe(renderChatPrompt({promptType: "llama2", systemPrompt: "Be brief.", history: V.history3}).prompt);
  });

  it("renders with a chat template: prompt with the generation prompt, text with the answer", () => {
    const t = V.chat_templates.templates.llama3!;
    const chatTemplate = {template: t.template, bosToken: t.special.bos_token, eosToken: t.special.eos_token};
    const {text, prompt} = renderConversationTraining({promptType: "unknown", chatTemplate, messages: openai});
    expect(prompt).toBe(t.renders.history3!.generation.value);
    expect(text).toBe(t.renders["history3+answer"]!.no_generation.value);
  });

  it("refuses a template whose full conversation does not extend the prompt", () => {
    const chatTemplate = {
      template: "{% for m in messages %}{{ m['content'] }}|{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}",
      source: "odd.jinja"
    };
    expect(() => renderConversationTraining({promptType: "unknown", chatTemplate, messages: openai})).toThrow(
      "chat template odd.jinja: renders the conversation with its answer differently from the prompt before it"
    );
  });

  it.each([
    [[], "empty", "messages: has no user or assistant messages"],
    [[{role: "assistant", content: "x"}], "not-alternating", "messages[0]: expected a user message here (user and assistant must alternate, starting with user)"],
    [openai.slice(0, 5), "no-final-assistant", "messages[4]: the last message must be the assistant's answer"],
    [[openai[0], {role: "system", content: "x"}, openai[1]], "bad-role", "messages[1]: a system message may only come first"],
    [[openai[0], openai[0], openai[1]], "not-alternating", "messages[1]: expected an assistant message here (user and assistant must alternate, starting with user)"]
  ])("rejects %j as %s", (messages, problem, message) => {
    const error = (() => {
      try {
        renderConversationTraining({promptType: "plain", messages});
      } catch (caught) {
        return caught as ConversationFormatError;
      }
    })();
    expect(error).toBeInstanceOf(ConversationFormatError);
    expect({problem: error!.problem, message: error!.message}).toEqual({problem, message});
  });
});
