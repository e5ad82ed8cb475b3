import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {InputFileError, UsageError} from "../errors/index.js";
import {loadTokenizer, type Tokenizer} from "../tokenizer/index.js";
import {defineCommand} from "./command.js";

const STRICT_UTF8 = new TextDecoder("utf-8", {fatal: true, ignoreBOM: true});

/** The file's bytes as UTF-8, unchanged: a BOM, NUL and control characters are kept; invalid UTF-8 is an error. */
async function readUtf8Exactly(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(path, code === "ENOENT" ? "no such file" : `cannot read (${(error as Error).message})`);
  }
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    const badAt = firstInvalidUtf8Byte(bytes);
    throw new InputFileError(
      path,
      badAt === bytes.length ? "not valid UTF-8 (it ends inside a multi-byte character)" : `not valid UTF-8 (bad byte at offset ${badAt})`
    );
  }
}

function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The longest valid prefix: decoding a prefix fails only if it holds an invalid sequence or cuts one short.
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    try {
      new TextDecoder("utf-8", {fatal: true}).decode(bytes.subarray(0, mid), {stream: true});
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return low;
}

/** One stderr line with what the loader warned about (llama.cpp on a GGUF lacking its pre-tokenizer type...). */
export function reportTokenizerWarnings(tokenizer: Tokenizer, stderr: NodeJS.WritableStream): void {
  if (tokenizer.warnings.length > 0) stderr.write(`warning: ${tokenizer.warnings.join("; ")}\n`);
}

export const tokenizeCommand = defineCommand({
  name: "tokenize",
  summary: "print the token ids of a text as one JSON array",
  usage: [
    "h2ogpt tokenize --tokenizer=PATH --text='Hello world'",
    "h2ogpt tokenize --tokenizer=PATH --file=input.txt [--add_special_tokens=False] [--offsets]"
  ],
  flags: {
    tokenizer: {kind: "string", description: "tokenizer.json, a folder holding it (+ tokenizer_config.json), or a GGUF file"},
    text: {kind: "string", description: "the text to tokenize"},
    file: {kind: "string", description: "a file whose bytes are the text (UTF-8, read exactly)"},
    add_special_tokens: {kind: "boolean", description: "add what the model adds around a sequence (BOS for llama)", defaultText: "True"},
    offsets: {kind: "boolean", description: 'print {"ids": [...], "offsets": [[start, end], ...]} (UTF-16 offsets)'}
  },
  async run({flags}, io) {
    if (flags.tokenizer == null) throw new UsageError("--tokenizer is required (tokenizer.json, its folder, or a GGUF file)");
    if ((flags.text == null) === (flags.file == null)) throw new UsageError("give exactly one of --text or --file");
    const text = flags.text ?? (await readUtf8Exactly(resolve(io.cwd, flags.file!)));
    const tokenizer = await loadTokenizer(resolve(io.cwd, flags.tokenizer));
    try {
      reportTokenizerWarnings(tokenizer, io.stderr);
      const options = {addSpecialTokens: flags.add_special_tokens ?? true};
      const output = flags.offsets ? tokenizer.encodeWithOffsets(text, options) : tokenizer.encode(text, options);
      io.stdout.write(JSON.stringify(output) + "\n");
    } finally {
      await tokenizer.dispose();
    }
  }
});
