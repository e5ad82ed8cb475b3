import {describe, expect, it} from "vitest";
import {findJsonSyntaxError} from "./json-error-location.js";

describe("findJsonSyntaxError", () => {
  it("accepts what JSON.parse accepts", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "x\\"\\u00e9"]}', " [] ", "{}", '"s"', "0", '[{"a": {}}, [[]]]'])
      expect(findJsonSyntaxError(text), text).toBeUndefined();
  });

  it("says where the first problem is, as line and column, and what it is", () => {
    const cases: [string, string][] = [
      ["", "1:1 unexpected end of file"],
      ["{", "1:2 unexpected end of file"],
      ["[1,]", "1:4 expected a value"],
      ['{"a":1,}', "1:8 expected a quoted property name"],
      ["{a: 1}", "1:2 expected a quoted property name"],
      ['{"a" 1}', "1:6 expected ':'"],
      ["[1 2]", "1:4 expected ',' or ']'"],
      ['{\n  "a": 1\n  "b": 2\n}', "3:3 expected ',' or '}'"],
      ["1 2", "1:3 unexpected text after the JSON value"],
      ['"a\u0001"', "1:1 unterminated string or bad escape"],
      ["[01]", "1:3 expected ',' or ']'"]
    ];
    for (const [text, expected] of cases) {
      expect(() => JSON.parse(text), text).toThrow();
      const found = findJsonSyntaxError(text);
      expect(found && `${found.line}:${found.column} ${found.problem}`, JSON.stringify(text)).toBe(expected);
    }
  });

  it("handles deep nesting without recursion", () => {
    expect(findJsonSyntaxError("[".repeat(100_000) + "]".repeat(100_000))).toBeUndefined();
    expect(findJsonSyntaxError("[".repeat(100_000))?.problem).toBe("unexpected end of file");
  });
});
