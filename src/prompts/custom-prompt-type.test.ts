import {describe, expect, it} from "vitest";
import {PromptDictError, renderTrainingString, stopStrings} from "./index.js";

describe("prompt_type custom", () => {
  const record = {instruction: "Name a color.", output: "Blue."};

  it("takes JSON, h2oGPT's Python-dict spelling or an object, with h2oGPT's defaults", () => {
    const json = '{"PreInstruct": "Q: ", "PreResponse": "\\nA: ", "terminate_response": ["Q:"]}';
    const python = "{'PreInstruct': 'Q: ', 'PreResponse': '\\nA: ', 'terminate_response': ['Q:']}";
    for (const promptDict of [json, python, {PreInstruct: "Q: ", PreResponse: "\nA: ", terminate_response: ["Q:"]}]) {
      expect(renderTrainingString({promptType: "custom", promptDict, record}).text).toBe("Q: Name a color.\n\nA: Blue.");
      expect(stopStrings({promptType: -1, promptDict})).toEqual(["Q:", "\nA: "]);
    }
  });

  it("accepts (and ignores) the keys h2oGPT adds when it shows a prompt_dict", () => {
    const promptDict = {PreResponse: "A:", generates_leading_space: false, system_prompt: "", can_handle_system_prompt: false};
    expect(renderTrainingString({promptType: "custom", promptDict, record}).text).toBe("Name a color.\nA:Blue.");
  });

  it.each([
    [undefined, "prompt_dict: prompt_type custom needs a prompt_dict"],
    ["{'PreInstruct': }", "prompt_dict: not JSON or a Python literal (unexpected '}' at character 17)"],
    ["['PreInstruct']", "prompt_dict: expected a dict like {'A': 'input'}, got ['PreInstruct']"],
    [{Preinstruct: "Q: "}, "prompt_dict.Preinstruct: is not one of h2oGPT's prompt_dict fields"],
    [{PreInstruct: 3}, "prompt_dict.PreInstruct: expected a string or None, got 3"],
    [{terminate_response: "Q:"}, "prompt_dict.terminate_response: expected a list of strings"],
    [{terminate_response: ["Q:", ""]}, "prompt_dict.terminate_response[1]: is empty"]
  ])("rejects %j with a typed error naming the field", (promptDict, message) => {
    expect(() => renderTrainingString({promptType: "custom", promptDict, record})).toThrow(PromptDictError);
    expect(() => renderTrainingString({promptType: "custom", promptDict, record})).toThrow(message);
  });
});
