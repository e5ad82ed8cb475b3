import {describe, expect, it} from "vitest";
import {parseDictLiteral, parseLiteral} from "./parse-dict-literal.js";

describe("parseLiteral", () => {
  it("reads JSON", () => {
    expect(parseDictLiteral('{"A": "input", "B": "output"}', "--data_col_dict")).toEqual({A: "input", B: "output"});
  });

  it("reads h2oGPT's Python-dict spelling", () => {
    expect(parseDictLiteral("{'A': 'input', 'B': 'output'}", "--data_col_dict")).toEqual({A: "input", B: "output"});
    expect(
      parseLiteral("{'promptA': '', 'PreInstruct': '<|user|>\\n', 'terminate_response': ['</s>', \"x'y\"], 'n': None, 't': True}", "p")
    ).toEqual({promptA: "", PreInstruct: "<|user|>\n", terminate_response: ["</s>", "x'y"], n: null, t: true});
  });

  it("handles escapes, raw strings, triple quotes, tuples, adjacent strings and numbers", () => {
    expect(parseLiteral("('a\\tb', r'\\n', '''x\ny''', 'a' \"b\", -1.5e2)", "p")).toEqual([
      "a\tb",
      "\\n",
      "x\ny",
      "ab",
      -150
    ]);
    expect(parseLiteral("'\\u00e9\\x41'", "p")).toBe("éA");
  });

  it("names the flag and the position on bad input", () => {
    expect(() => parseDictLiteral("{'A': }", "--data_col_dict")).toThrow(
      "--data_col_dict: not JSON or a Python literal (unexpected '}' at character 7)"
    );
    expect(() => parseDictLiteral("['a']", "--data_col_dict")).toThrow("expected a dict");
    expect(() => parseLiteral("{'a': 'b'", "p")).toThrow("expected ',' or '}'");
    expect(() => parseLiteral("__import__('os')", "p")).toThrow("unexpected '_'");
  });
});
