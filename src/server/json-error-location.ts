/**
 * Where and why a text is not JSON, without quoting it. V8's JSON.parse messages embed the start of the text
 * (`Unexpected token 's', "sk-live-..." is not valid JSON`), which must never reach a terminal or a log when the text
 * is a credentials file, so this scans the text itself and reports only a line, a column and a kind of problem.
 */

export interface JsonSyntaxError {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
  readonly problem: string;
}

const WHITESPACE = /[ \t\r\n]*/y;
const PRIMITIVE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** The first syntax error in `text`, or undefined when it is valid JSON. Iterative, so nesting depth is no risk. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const stack: string[] = [];
  let expect: "value" | "key" | "colon" | "next" = "value";
  const skip = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) return false;
    at = pattern.lastIndex;
    return true;
  };
  const fail = (problem: string): JsonSyntaxError => {
    const before = text.slice(0, at);
    const lineStart = before.lastIndexOf("\n") + 1;
    return {line: before.split("\n").length, column: at - lineStart + 1, problem};
  };
  for (;;) {
    skip(WHITESPACE);
    if (at >= text.length) return expect === "next" && stack.length === 0 ? undefined : fail("unexpected end of file");
    const char = text[at]!;
    if (expect === "value") {
      if (char === "{" || char === "[") {
        stack.push(char === "{" ? "}" : "]");
        at++;
        skip(WHITESPACE);
        if (text[at] === stack.at(-1)) {
          stack.pop();
          at++;
          expect = "next";
        } else expect = char === "{" ? "key" : "value";
      } else if (skip(PRIMITIVE)) expect = "next";
      else return fail(char === '"' ? "unterminated string or bad escape" : "expected a value");
    } else if (expect === "key") {
      if (!skip(STRING)) return fail("expected a quoted property name");
      expect = "colon";
    } else if (expect === "colon") {
      if (char !== ":") return fail("expected ':'");
      at++;
      expect = "value";
    } else {
      const close = stack.at(-1);
      if (close == null) return fail("unexpected text after the JSON value");
      if (char === ",") {
        at++;
        expect = close === "}" ? "key" : "value";
      } else if (char === close) {
        stack.pop();
        at++;
      } else return fail(`expected ',' or '${close}'`);
    }
  }
}
