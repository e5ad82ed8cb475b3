import {UsageError} from "../errors/index.js";

/**
 * Parses a flag value that h2oGPT users write either as JSON or as a Python literal
 * (`--data_col_dict="{'A': 'input', 'B': 'output'}"`, `prompt_dict` strings read with `ast.literal_eval`).
 * Python literals cover dicts, lists, tuples, strings in either quote with escapes (adjacent strings
 * concatenate), numbers, True/False/None. Nothing is evaluated.
 */
export function parseLiteral(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return new PythonLiteralParser(text, what).parseAll();
  }
}

/** A literal that must be a dict/object, e.g. `--data_col_dict` or `--prompt_dict`. */
export function parseDictLiteral(text: string, what: string): Record<string, unknown> {
  const value = parseLiteral(text, what);
  if (value == null || typeof value !== "object" || Array.isArray(value))
    throw new UsageError(`${what}: expected a dict like {'A': 'input'}, got ${text.trim().slice(0, 40)}`);
  return value as Record<string, unknown>;
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0", a: "\x07", b: "\b", f: "\f", v: "\v", "\n": ""
};

class PythonLiteralParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly what: string
  ) {}

  parseAll(): unknown {
    const value = this.value();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail("unexpected text after the value");
    return value;
  }

  private fail(reason: string): never {
    throw new UsageError(`${this.what}: not JSON or a Python literal (${reason} at character ${this.pos + 1})`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private value(): unknown {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch == null) this.fail("unexpected end");
    if (ch === "{") return this.dict();
    if (ch === "[") return this.sequence("]");
    if (ch === "(") return this.sequence(")");
    if (ch === "'" || ch === '"') return this.strings();
    if ((ch === "r" || ch === "R") && (this.text[this.pos + 1] === "'" || this.text[this.pos + 1] === '"'))
      return this.strings();
    const word = /^(True|False|None)\b/.exec(this.text.slice(this.pos));
    if (word) {
      this.pos += word[0].length;
      return word[1] === "True" ? true : word[1] === "False" ? false : null;
    }
    const num = /^[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?/.exec(this.text.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return Number(num[0].replace(/_/g, ""));
    }
    this.fail(`unexpected '${ch}'`);
  }

  private dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key !== "string" && typeof key !== "number") this.fail("dict keys must be strings or numbers");
      this.skipSpace();
      if (this.text[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== "}") this.fail("expected ',' or '}'");
    }
  }

  private sequence(close: "]" | ")"): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  /** Python joins adjacent string literals: `'a' "b"` is `'ab'`. */
  private strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      const ch = this.text[this.pos];
      const raw = (ch === "r" || ch === "R") && (this.text[this.pos + 1] === "'" || this.text[this.pos + 1] === '"');
      if (ch !== "'" && ch !== '"' && !raw) {
        this.pos = save;
        return out;
      }
      out += this.string();
    }
  }

  private string(): string {
    let raw = false;
    if (this.text[this.pos] === "r" || this.text[this.pos] === "R") {
      raw = true;
      this.pos++;
    }
    const quote = this.text[this.pos]!;
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const end = triple ? quote.repeat(3) : quote;
    this.pos += end.length;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string");
      if (this.text.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const ch = this.text[this.pos]!;
      if (!triple && ch === "\n") this.fail("newline in string");
      if (ch === "\\" && !raw) {
        out += this.escape();
        continue;
      }
      if (ch === "\\" && raw && this.pos + 1 < this.text.length) {
        out += ch + this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
  }

  private escape(): string {
    const next = this.text[this.pos + 1];
    if (next == null) this.fail("unterminated escape");
    const simple = ESCAPES[next];
    if (simple != null) {
      this.pos += 2;
      return simple;
    }
    const hexLength = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    if (hexLength > 0) {
      const hex = this.text.slice(this.pos + 2, this.pos + 2 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) this.fail("bad escape");
      this.pos += 2 + hexLength;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    // Python keeps unknown escapes literally: '\d' is backslash + d.
    this.pos += 2;
    return "\\" + next;
  }
}
