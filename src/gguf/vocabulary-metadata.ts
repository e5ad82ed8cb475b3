import {readFile, stat} from "node:fs/promises";
import {dirname, join} from "node:path";
import {InputFileError} from "../errors/index.js";
import {GgufWriteError} from "./gguf-errors.js";
import type {GgufValue} from "./gguf-types.js";
import {readGguf} from "./read-gguf.js";

/**
 * Where a model's vocabulary comes from: the `tokenizer.*` keys of a GGUF (a model or one of llama.cpp's
 * vocab-only files), a Hugging Face byte-level BPE `tokenizer.json` (or a folder holding it and
 * `tokenizer_config.json`), or a synthetic SentencePiece-style vocabulary of a given size for tests.
 */
export type VocabularySource = {readonly gguf: string} | {readonly tokenizerJson: string} | {readonly synthetic: number};

export interface VocabularyMetadata {
  readonly metadata: Record<string, GgufValue>;
  readonly size: number;
}

/** llama.cpp's token types (llama_token_type). */
const TOKEN_TYPE = {normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6} as const;

/** Pre-tokenizer used for byte-level BPE vocabularies that do not name one: GPT-2's split regex (GPT-NeoX uses it too). */
const DEFAULT_BPE_PRE = "gpt-2";

const str = (value: string): GgufValue => ({type: "string", value});
const u32 = (value: number): GgufValue => ({type: "u32", value});

async function fromGguf(path: string): Promise<VocabularyMetadata> {
  const file = await readGguf(path);
  const metadata: Record<string, GgufValue> = {};
  for (const [key, value] of Object.entries(file.metadata)) if (key.startsWith("tokenizer.")) metadata[key] = value;
  const tokens = metadata["tokenizer.ggml.tokens"];
  if (tokens?.type !== "array" || tokens.value.itemType !== "string")
    throw new InputFileError(path, "has no tokenizer.ggml.tokens array, so it holds no vocabulary");
  if (metadata["tokenizer.ggml.model"]?.value === "gpt2" && metadata["tokenizer.ggml.pre"] == null)
    metadata["tokenizer.ggml.pre"] = str(DEFAULT_BPE_PRE);
  return {metadata, size: tokens.value.items.length};
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value != null && typeof value === "object" && typeof (value as {content?: unknown}).content === "string")
    return (value as {content: string}).content;
  return undefined;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InputFileError(path, (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : "cannot read", {cause: error});
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputFileError(path, `not valid JSON (${(error as Error).message})`, {cause: error});
  }
}

async function fromTokenizerJson(source: string): Promise<VocabularyMetadata> {
  const isDir = (await stat(source).catch(() => undefined))?.isDirectory() ?? false;
  const path = isDir ? join(source, "tokenizer.json") : source;
  const json = (await readJson(path)) as {model?: {type?: string; vocab?: Record<string, number>; merges?: unknown[]}; added_tokens?: AddedToken[]; decoder?: {type?: string}};
  const model = json.model;
  if (model?.type !== "BPE" || model.vocab == null || !Array.isArray(model.merges))
    throw new InputFileError(path, `model.type is ${String(model?.type)}; only byte-level BPE tokenizers can become a GGUF vocabulary here`);
  if (json.decoder?.type !== "ByteLevel") throw new InputFileError(path, "not a byte-level BPE tokenizer (decoder is not ByteLevel)");

  const added = json.added_tokens ?? [];
  const size = Math.max(...Object.values(model.vocab), ...added.map((t) => t.id)) + 1;
  const tokens: string[] = Array.from({length: size}, (_, i) => `[PAD${i}]`);
  const types = new Int32Array(size).fill(TOKEN_TYPE.unused);
  for (const [piece, id] of Object.entries(model.vocab)) {
    tokens[id] = piece;
    types[id] = TOKEN_TYPE.normal;
  }
  for (const token of added) {
    tokens[token.id] = token.content;
    types[token.id] = token.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
  }
  const merges = model.merges.map((merge, i) => {
    if (typeof merge === "string") return merge;
    if (Array.isArray(merge) && merge.length === 2) return `${merge[0]} ${merge[1]}`;
    throw new InputFileError(path, `model.merges[${i}] is neither "a b" nor ["a", "b"]`);
  });

  const configPath = join(dirname(path), "tokenizer_config.json");
  const config = (await stat(configPath).catch(() => undefined)) ? ((await readJson(configPath)) as Record<string, unknown>) : {};
  const idOf = (name: unknown): number | undefined => {
    const content = tokenContent(name);
    return content == null ? undefined : tokens.indexOf(content) >= 0 ? tokens.indexOf(content) : undefined;
  };
  // Without a config, GPT-2-style vocabularies use <|endoftext|> for both ends (as GPT-NeoX does).
  const fallback = idOf("<|endoftext|>");
  const metadata: Record<string, GgufValue> = {
    "tokenizer.ggml.model": str("gpt2"),
    "tokenizer.ggml.pre": str(DEFAULT_BPE_PRE),
    "tokenizer.ggml.tokens": {type: "array", value: {itemType: "string", items: tokens}},
    "tokenizer.ggml.token_type": {type: "array", value: {itemType: "i32", items: types}},
    "tokenizer.ggml.merges": {type: "array", value: {itemType: "string", items: merges}}
  };
  const ids = {bos: idOf(config.bos_token) ?? fallback, eos: idOf(config.eos_token) ?? fallback, padding: idOf(config.pad_token), unknown: idOf(config.unk_token)};
  for (const [name, id] of Object.entries(ids)) if (id != null) metadata[`tokenizer.ggml.${name}_token_id`] = u32(id);
  if (typeof config.add_bos_token === "boolean") metadata["tokenizer.ggml.add_bos_token"] = {type: "bool", value: config.add_bos_token};
  if (typeof config.chat_template === "string") metadata["tokenizer.chat_template"] = str(config.chat_template);
  return {metadata, size};
}

const SPM_SPECIALS: readonly [string, number][] = [["<unk>", TOKEN_TYPE.unknown], ["<s>", TOKEN_TYPE.control], ["</s>", TOKEN_TYPE.control]];
const SPM_SPACE = "\u2581";

/**
 * A SentencePiece ("llama") vocabulary: <unk> <s> </s>, 256 byte-fallback tokens, printable ASCII with and without
 * the word marker, then ever longer lower-case pieces, so any text tokenizes and common words take few tokens.
 */
function synthetic(size: number): VocabularyMetadata {
  const pieces: string[] = [];
  const seen = new Set<string>();
  const add = (piece: string): void => {
    if (!seen.has(piece)) {
      seen.add(piece);
      pieces.push(piece);
    }
  };
  const printable = Array.from({length: 94}, (_, i) => String.fromCharCode(33 + i));
  add(SPM_SPACE);
  for (const ch of printable) add(ch);
  for (const ch of printable) add(SPM_SPACE + ch);
  const base = SPM_SPECIALS.length + 256;
  const minimum = base + pieces.length;
  if (!Number.isInteger(size) || size < minimum) throw new GgufWriteError(`synthetic vocabulary size must be an integer >= ${minimum}, got ${size}`);
  const letters = "etaoinshrdlcumwfgypbvkjxqz".split("");
  let frontier = [SPM_SPACE, ...letters];
  while (base + pieces.length < size) {
    const next: string[] = [];
    for (const prefix of frontier) for (const letter of letters) next.push(prefix + letter);
    for (const piece of next) add(piece);
    frontier = next;
  }

  const tokens = SPM_SPECIALS.map(([piece]) => piece);
  const types = SPM_SPECIALS.map(([, type]) => type);
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_TYPE.byte);
  }
  for (const piece of pieces.slice(0, size - base)) {
    tokens.push(piece);
    types.push(TOKEN_TYPE.normal);
  }
  // SentencePiece merges the adjacent pair with the highest score: prefer longer pieces.
  const scores = new Float32Array(size);
  for (let i = base; i < size; i++) scores[i] = tokens[i]!.length - i / size;
  return {
    size,
    metadata: {
      "tokenizer.ggml.model": str("llama"),
      "tokenizer.ggml.tokens": {type: "array", value: {itemType: "string", items: tokens}},
      "tokenizer.ggml.scores": {type: "array", value: {itemType: "f32", items: scores}},
      "tokenizer.ggml.token_type": {type: "array", value: {itemType: "i32", items: Int32Array.from(types)}},
      "tokenizer.ggml.bos_token_id": u32(1),
      "tokenizer.ggml.eos_token_id": u32(2),
      "tokenizer.ggml.unknown_token_id": u32(0),
      "tokenizer.ggml.add_bos_token": {type: "bool", value: true},
      "tokenizer.ggml.add_eos_token": {type: "bool", value: false}
    }
  };
}

/** The `tokenizer.*` metadata (and vocabulary size) for a model built on the given vocabulary. */
export async function vocabularyMetadata(source: VocabularySource): Promise<VocabularyMetadata> {
  if ("gguf" in source) return fromGguf(source.gguf);
  if ("tokenizerJson" in source) return fromTokenizerJson(source.tokenizerJson);
  if ("synthetic" in source) return synthetic(source.synthetic);
  throw new GgufWriteError("vocabulary: give {gguf}, {tokenizerJson} or {synthetic}");
}
