import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {InputFileError, UsageError} from "../errors/index.js";
import {loadTokenizer} from "../tokenizer/index.js";
import {defineCommand} from "./command.js";
import {reportTokenizerWarnings} from "./tokenize-command.js";

/** A JSON array of token ids, as `h2ogpt tokenize` prints; `where` names the flag or file in errors. */
function parseIds(text: string, where: string, fail: (reason: string) => Error): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fail(`not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw fail(`expected a JSON array of token ids in ${where}`);
  const badAt = parsed.findIndex((id) => !Number.isInteger(id) || id < 0);
  if (badAt >= 0) throw fail(`item ${badAt} is ${JSON.stringify(parsed[badAt])}, not a token id (a non-negative integer)`);
  return parsed as number[];
}

export const detokenizeCommand = defineCommand({
  name: "detokenize",
  summary: "print the text of a JSON array of token ids (no newline added)",
  usage: ["h2ogpt detokenize --tokenizer=PATH --ids='[12092, 1533]'", "h2ogpt detokenize --tokenizer=PATH --file=ids.json [--skip_special_tokens]"],
  flags: {
    tokenizer: {kind: "string", description: "tokenizer.json, a folder holding it (+ tokenizer_config.json), or a GGUF file"},
    ids: {kind: "string", description: "the ids as a JSON array"},
    file: {kind: "string", description: "a file holding the ids as a JSON array"},
    skip_special_tokens: {kind: "boolean", description: "leave out special tokens (EOS, padding...)", defaultText: "False"}
  },
  async run({flags}, io) {
    if (flags.tokenizer == null) throw new UsageError("--tokenizer is required (tokenizer.json, its folder, or a GGUF file)");
    if ((flags.ids == null) === (flags.file == null)) throw new UsageError("give exactly one of --ids or --file");
    let ids: number[];
    if (flags.ids != null) {
      ids = parseIds(flags.ids, "--ids", (reason) => new UsageError(`--ids: ${reason}`));
    } else {
      const path = resolve(io.cwd, flags.file!);
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new InputFileError(path, code === "ENOENT" ? "no such file" : `cannot read (${(error as Error).message})`);
      }
      ids = parseIds(text, "the file", (reason) => new InputFileError(path, reason));
    }
    const tokenizer = await loadTokenizer(resolve(io.cwd, flags.tokenizer));
    try {
      reportTokenizerWarnings(tokenizer, io.stderr);
      io.stdout.write(tokenizer.decode(ids, {skipSpecialTokens: flags.skip_special_tokens ?? false}));
    } finally {
      await tokenizer.dispose();
    }
  }
});
