import {describe, expect, it} from "vitest";
import {customPromptType} from "../../prompts/custom-prompt-type.js";
import {promptDictProblem} from "./prompt-dict.js";

/** The UI's prompt_dict check says exactly what the CLI's (customPromptType) says, for good and bad dicts. */
describe("promptDictProblem", () => {
  const cases = [
    "{'PreInstruct': '### Q: ', 'PreResponse': '### A:', 'terminate_response': ['###']}",
    '{"promptA": "", "humanstr": "Q:", "botstr": "A:", "chat_sep": "\\n"}',
    "{'PreInstruct': None}",
    "{'system_prompt': 'x', 'generates_leading_space': False}",
    "{}",
    "{'PreInstruct': 'Q:',",
    "['PreInstruct']",
    "not a dict",
    "{'PreInstrut': 'Q:'}",
    "{'PreInstruct': 3}",
    "{'terminate_response': 'stop'}",
    "{'terminate_response': ['a', '']}",
    "{'terminate_response': ['a', 2]}"
  ];
  it.each(cases)("agrees with the CLI on %s", (text) => {
    let cli: string | null = null;
    try {
      customPromptType(text);
    } catch (error) {
      cli = (error as Error).message;
    }
    expect(promptDictProblem(text)).toBe(cli);
  });
});
