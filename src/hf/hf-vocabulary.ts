import {createHash} from "node:crypto";
import {readFile, stat} from "node:fs/promises";
import {join} from "node:path";
import type {GgufValue} from "../gguf/index.js";
import {loadTokenizer} from "../tokenizer/index.js";
import {BPE_PRE_TOKENIZERS, CHECK_TEXT} from "./bpe-pre-tokenizers.js";
import {HfModelError} from "./hf-errors.js";
import type {HfFolder} from "./hf-folder.js";

/** llama.cpp's token types (gguf.TokenType). */
const TOKEN_TYPE = {normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6} as const;

/** SpecialVocab's token kinds and the GGUF keys they go to (`cls` has no key in this llama.cpp, so it is skipped there too). */
const SPECIAL_KEYS: readonly [string, string][] = [
  ["bos", "tokenizer.ggml.bos_token_id"],
  ["eos", "tokenizer.ggml.eos_token_id"],
  ["unk", "tokenizer.ggml.unknown_token_id"],
  ["sep", "tokenizer.ggml.seperator_token_id"],
  ["pad", "tokenizer.ggml.padding_token_id"],
  ["mask", "tokenizer.ggml.mask_token_id"]
];

interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special?: boolean;
}

interface TokenizerJson {
  model?: {type?: string; vocab?: Record<string, number>; merges?: unknown[]; byte_fallback?: boolean; ignore_merges?: boolean};
  added_tokens?: AddedToken[];
  decoder?: {type?: string};
  post_processor?: {type?: string; processors?: {type?: string; single?: {SpecialToken?: {id?: string}}[]}[]; single?: {SpecialToken?: {id?: string}}[]};
}

const str = (value: string): GgufValue => ({type: "string", value});

async function optionalJson(path: string): Promise<Record<string, unknown> | undefined> {
  if ((await stat(path).catch(() => undefined)) == null) return undefined;
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new HfModelError(path, `not valid JSON (${(error as Error).message})`, {cause: error});
  }
}

/** convert_hf_to_gguf's does_token_look_special. */
function looksSpecial(token: string): boolean {
  return (
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(token) ||
    (token.startsWith("<|") && token.endsWith("|>")) ||
    (token.startsWith("<\uff5c") && token.endsWith("\uff5c>")) ||
    (token.startsWith("<unused") && token.endsWith(">"))
  );
}

const contentOf = (entry: unknown): string | undefined =>
  typeof entry === "string" ? entry : typeof (entry as {content?: unknown})?.content === "string" ? (entry as {content: string}).content : undefined;

/**
 * gguf-py's SpecialVocab: special token ids from tokenizer_config.json (looked up among tokenizer.json's added
 * tokens), then config.json's `*_token_id`; add_bos/add_eos from the post-processor template and the config; the
 * chat template from tokenizer_config.json, chat_template.jinja or chat_template.json.
 */
async function specialVocabulary(folder: HfFolder, json: TokenizerJson, nVocab: number | undefined): Promise<Record<string, GgufValue>> {
  const tokenizerConfig = await optionalJson(join(folder.dir, "tokenizer_config.json"));
  const added = json.added_tokens ?? [];
  const ids = new Map<string, number>();
  const set = (kind: string, id: unknown): void => {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || ids.has(kind)) return;
    if (nVocab == null || id < nVocab) ids.set(kind, id);
  };
  const add = new Map<string, boolean>();
  const config = tokenizerConfig == null ? undefined : {...tokenizerConfig};
  let bos = contentOf(config?.bos_token);
  let eos = contentOf(config?.eos_token);
  const processors = json.post_processor == null ? [] : (json.post_processor.processors ?? [json.post_processor]);
  for (const processor of processors) {
    if (processor.type === "RobertaProcessing") {
      add.set("bos", true).set("eos", true).set("sep", true);
      continue;
    }
    if (processor.type !== "TemplateProcessing" || (processor.single?.length ?? 0) <= 1) continue;
    const first = processor.single![0]!.SpecialToken?.id;
    const last = processor.single!.at(-1)!.SpecialToken?.id;
    if (first != null) {
      if (config == null) bos = first;
      else if (bos == null) config.bos_token = bos = first;
      add.set("bos", first === bos);
    }
    if (last != null) {
      if (config == null) eos = last;
      add.set("eos", last === eos);
    }
  }
  if (config != null) {
    for (const [kind] of SPECIAL_KEYS) {
      const addEntry = config[`add_${kind}_token`];
      if (typeof addEntry === "boolean") add.set(kind, addEntry);
      const content = contentOf(config[`${kind}_token`]);
      if (content != null) set(kind, added.find((token) => token.content === content)?.id);
    }
  }
  for (const [kind] of SPECIAL_KEYS) set(kind, folder.config[`${kind}_token_id`]);

  const metadata: Record<string, GgufValue> = {};
  for (const [kind, key] of SPECIAL_KEYS) if (ids.has(kind)) metadata[key] = {type: "u32", value: ids.get(kind)!};
  for (const kind of ["bos", "eos", "sep"]) if (add.has(kind)) metadata[`tokenizer.ggml.add_${kind}_token`] = {type: "bool", value: add.get(kind)!};
  if (config != null) {
    let template: unknown = config.chat_template;
    if (template == null) {
      const jinja = join(folder.dir, "chat_template.jinja");
      if ((await stat(jinja).catch(() => undefined)) != null) template = await readFile(jinja, "utf8");
      else template = (await optionalJson(join(folder.dir, "chat_template.json")))?.chat_template;
    }
    if (typeof template === "string") metadata["tokenizer.chat_template"] = str(template);
  }
  return metadata;
}

/** `tokenizer.ggml.pre` as convert_hf_to_gguf picks it: the hash of the ids HF's tokenizer gives CHECK_TEXT. */
async function preTokenizerName(folder: HfFolder): Promise<string> {
  const tokenizer = await loadTokenizer(folder.dir);
  try {
    const ids = tokenizer.encode(CHECK_TEXT, {addSpecialTokens: true});
    const hash = createHash("sha256").update(`[${ids.join(", ")}]`).digest("hex");
    const name = BPE_PRE_TOKENIZERS.get(hash);
    if (name == null)
      throw new HfModelError(
        join(folder.dir, "tokenizer.json"),
        `its BPE pre-tokenizer is not one llama.cpp knows (check hash ${hash}); llama.cpp's converter refuses it too`
      );
    return name;
  } finally {
    tokenizer.dispose();
  }
}

function mergeStrings(path: string, merges: readonly unknown[]): string[] {
  return merges.map((merge, i) => {
    if (typeof merge === "string") return merge;
    // Pairs whose parts hold a space are written with U+0120 + the space's offset, as SpecialVocab does.
    if (Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === "string"))
      return merge.map((part: string) => part.replace(/ /g, String.fromCharCode(0x20 + 256))).join(" ");
    throw new HfModelError(path, `model.merges[${i}] is neither "a b" nor ["a", "b"]`);
  });
}

/**
 * The `tokenizer.*` metadata llama.cpp's convert_hf_to_gguf.py writes for a folder's tokenizer.json: a byte-level
 * BPE becomes `gpt2` (tokens padded to config.json's vocab_size, merges, the pre-tokenizer by hash); for llama, a
 * BPE with byte fallback (Llama 2 style, without tokenizer.model) becomes `llama` as its LlamaHfVocab does.
 */
export async function hfVocabularyMetadata(folder: HfFolder): Promise<{metadata: Record<string, GgufValue>; size: number}> {
  const path = join(folder.dir, "tokenizer.json");
  const json = (await optionalJson(path)) as TokenizerJson | undefined;
  if (json == null) throw new HfModelError(folder.dir, "has no tokenizer.json (a folder saved by transformers' save_pretrained has one)");
  const model = json.model;
  if (model?.type !== "BPE" || model.vocab == null || !Array.isArray(model.merges))
    throw new HfModelError(path, `model.type is ${String(model?.type)}; only BPE tokenizers are converted`);
  const added = json.added_tokens ?? [];
  const llamaHf = folder.modelType === "llama" && model.byte_fallback === true && json.decoder?.type === "Sequence";
  if (llamaHf) return llamaHfVocabulary(folder, json, model.vocab, added);

  const byId = new Map<number, string>();
  for (const [piece, id] of Object.entries(model.vocab)) byId.set(id, piece);
  const addedById = new Map(added.map((token) => [token.id, token]));
  for (const token of added) byId.set(token.id, token.content);
  const largest = Math.max(...byId.keys());
  const configured = folder.config.vocab_size;
  const size = typeof configured === "number" ? configured : largest + 1;
  if (largest >= size) throw new HfModelError(path, `has token id ${largest}, past config.json's vocab_size ${size}`);
  const tokens: string[] = [];
  const types = new Int32Array(size);
  for (let id = 0; id < size; id++) {
    const piece = byId.get(id);
    const addedToken = addedById.get(id);
    if (piece == null) {
      tokens.push(`[PAD${id}]`);
      types[id] = TOKEN_TYPE.unused;
    } else if (addedToken != null) {
      const special = addedToken.special === true || looksSpecial(piece);
      tokens.push(special ? piece : piece.replace(/\u2581/g, " "));
      types[id] = special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
    } else {
      tokens.push(piece);
      types[id] = TOKEN_TYPE.normal;
    }
  }
  const metadata: Record<string, GgufValue> = {
    "tokenizer.ggml.model": str("gpt2"),
    "tokenizer.ggml.pre": str(await preTokenizerName(folder)),
    "tokenizer.ggml.tokens": {type: "array", value: {itemType: "string", items: tokens}},
    "tokenizer.ggml.token_type": {type: "array", value: {itemType: "i32", items: types}},
    "tokenizer.ggml.merges": {type: "array", value: {itemType: "string", items: mergeStrings(path, model.merges)}},
    ...(await specialVocabulary(folder, json, undefined))
  };
  return {metadata, size};
}

async function llamaHfVocabulary(
  folder: HfFolder,
  json: TokenizerJson,
  vocab: Record<string, number>,
  added: readonly AddedToken[]
): Promise<{metadata: Record<string, GgufValue>; size: number}> {
  const baseSize = Object.keys(vocab).length;
  const specials = new Set(added.filter((token) => token.special === true).map((token) => token.id));
  const byId = new Map<number, string>();
  for (const [piece, id] of Object.entries(vocab)) byId.set(id, piece);
  for (const token of added) if (token.id < baseSize) byId.set(token.id, token.content);
  const extra = added.filter((token) => token.id >= baseSize).sort((a, b) => a.id - b.id);
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < baseSize; id++) {
    const piece = byId.get(id);
    if (piece == null) throw new HfModelError(join(folder.dir, "tokenizer.json"), `has no token with id ${id}`);
    tokens.push(piece);
    types.push(/^<0x[0-9A-Fa-f]{2}>$/.test(piece) ? TOKEN_TYPE.byte : specials.has(id) ? TOKEN_TYPE.control : TOKEN_TYPE.normal);
  }
  for (const token of extra) {
    tokens.push(token.content);
    types.push(token.special === true ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined);
  }
  const tokenizerConfig = await optionalJson(join(folder.dir, "tokenizer_config.json"));
  const metadata: Record<string, GgufValue> = {
    "tokenizer.ggml.model": str("llama"),
    "tokenizer.ggml.pre": str("default"),
    "tokenizer.ggml.tokens": {type: "array", value: {itemType: "string", items: tokens}},
    // LlamaHfVocab gives every token the same placeholder score.
    "tokenizer.ggml.scores": {type: "array", value: {itemType: "f32", items: new Float32Array(tokens.length).fill(-1000)}},
    "tokenizer.ggml.token_type": {type: "array", value: {itemType: "i32", items: Int32Array.from(types)}},
    ...(typeof tokenizerConfig?.add_prefix_space === "boolean" ? {"tokenizer.ggml.add_space_prefix": {type: "bool", value: tokenizerConfig.add_prefix_space}} : {}),
    ...(await specialVocabulary(folder, json, tokens.length))
  };
  return {metadata, size: tokens.length};
}
