import {describe, expect, it} from "vitest";
import {fieldSources} from "./data-col-dict.js";
import {normalizeRecord} from "./normalize-record.js";

const plain = fieldSources(undefined);

describe("fieldSources (--data_col_dict)", () => {
  it("reads JSON and h2oGPT's Python-dict spelling alike", () => {
    const python = fieldSources("{'A': 'input', 'B': 'output'}");
    expect(python).toEqual(fieldSources('{"A": "input", "B": "output"}'));
    expect(normalizeRecord({A: "q", B: "a", input: "ignored"}, python)).toEqual({kind: "instruction", instruction: "", input: "q", output: "a", context: ""});
  });

  it("empties a field whose column was renamed away, and swaps columns", () => {
    expect(normalizeRecord({input: "q", output: "a"}, fieldSources({input: "instruction"}))).toMatchObject({instruction: "q", input: "", output: "a"});
    expect(normalizeRecord({input: "x", output: "y"}, fieldSources({input: "output", output: "input"}))).toMatchObject({input: "y", output: "x"});
  });

  it("rejects targets prepare does not read, and two columns mapped to one field", () => {
    expect(() => fieldSources("{'A': 'outptu'}")).toThrow("'A' maps to \"outptu\", which is not a field prepare reads");
    expect(() => fieldSources({A: "input", B: "input"})).toThrow("both 'A' and 'B' map to 'input'");
    expect(() => fieldSources("{'A': }")).toThrow("--data_col_dict: not JSON or a Python literal");
  });
});

describe("normalizeRecord", () => {
  it("fills missing columns with empty strings and keeps per-record prompt settings", () => {
    expect(normalizeRecord({output: "a", prompt_type: "human_bot", system_prompt: "Be brief.", prompt_dict: "{'PreInstruct': 'Q: '}"}, plain)).toEqual({
      kind: "instruction",
      instruction: "",
      input: "",
      output: "a",
      context: "",
      promptType: "human_bot",
      promptDict: "{'PreInstruct': 'Q: '}",
      systemPrompt: "Be brief."
    });
    expect(normalizeRecord({input: "q", prompt_type: 3, system_prompt: null, context: ""}, plain)).toMatchObject({promptType: 3, input: "q"});
    expect(normalizeRecord({input: "q", system_prompt: ""}, plain)).not.toHaveProperty("systemPrompt");
  });

  it("names the field of the wrong type", () => {
    expect(normalizeRecord({input: "q", output: 42}, plain)).toEqual({kind: "problem", reason: "wrong_field_type", detail: "field 'output' is a number, expected a string"});
    expect(normalizeRecord({B: ["x"]}, fieldSources({B: "output"}))).toMatchObject({detail: "field 'B' (read as output) is a list, expected a string"});
    expect(normalizeRecord({input: "q", prompt_type: true}, plain)).toMatchObject({reason: "wrong_field_type", detail: "field 'prompt_type' is a boolean, expected a name or a number"});
    expect(normalizeRecord({messages: {role: "user"}}, plain)).toMatchObject({reason: "wrong_field_type", detail: "field 'messages' is an object, expected a list of turns"});
  });

  it("recognises conversations (also as a JSON string), text records, empty records and non-objects", () => {
    const messages = [{role: "user", content: "hi"}, {role: "assistant", content: "hello"}];
    expect(normalizeRecord({messages}, plain)).toEqual({kind: "conversation", turns: messages, field: "messages"});
    expect(normalizeRecord({conversations: JSON.stringify(messages), prompt_type: "llama2"}, plain)).toEqual({
      kind: "conversation",
      turns: messages,
      field: "conversations",
      promptType: "llama2"
    });
    expect(normalizeRecord({text: "raw text"}, plain)).toEqual({kind: "text", text: "raw text"});
    expect(normalizeRecord({input: "", output: null, other: "x"}, plain)).toMatchObject({reason: "empty_record"});
    expect(normalizeRecord([1, 2], plain)).toMatchObject({reason: "not_an_object", detail: "the record is a list, expected an object"});
    expect(normalizeRecord("s", plain)).toMatchObject({reason: "not_an_object"});
  });
});
