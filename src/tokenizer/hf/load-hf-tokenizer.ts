import {readFile} from "node:fs/promises";
import {dirname} from "node:path";
import {InputFileError, NotSupportedError} from "../../errors/index.js";
import {type TokenMetadata, withConventionalTokens} from "../token-metadata.js";
import type {Tokenizer} from "../tokenizer.js";
import {specialAddedTokens} from "./added-token-facts.js";
import {readBpeVocabulary} from "./bpe-vocabulary.js";
import {planFastBpe} from "./fast-bpe-plan.js";
import {FastBpeTokenizer} from "./fast-bpe-tokenizer.js";
import {LibraryTokenizer} from "./library-tokenizer.js";
import {planSentencePieceBpe} from "./sentencepiece-bpe-plan.js";
import {SentencePieceBpeTokenizer} from "./sentencepiece-bpe-tokenizer.js";
import {readTokenizerConfig} from "./tokenizer-config.js";
import {type BpeModelJson, parseTokenizerJson, type TokenizerJson} from "./tokenizer-json.js";

export type HfBackendChoice = "auto" | "fast-bpe" | "huggingface-tokenizers";

/** A tokenizer.json (+ the config files beside it) with our fast paths when they cover the file, else the library. */
export async function loadHfTokenizer(jsonPath: string, backend: HfBackendChoice): Promise<Tokenizer> {
  let text: string;
  try {
    text = await readFile(jsonPath, "utf8");
  } catch (error) {
    throw new InputFileError(jsonPath, `cannot read (${(error as Error).message})`);
  }
  const json = parseTokenizerJson(text, jsonPath);
  const metadata = withConventionalTokens(await readTokenizerConfig(dirname(jsonPath)), specialAddedTokens(json.added_tokens ?? []));
  if (backend === "huggingface-tokenizers") return libraryTokenizer(jsonPath, json, metadata, "chosen by the caller");
  const fast = fastTokenizer(jsonPath, json, metadata);
  if (typeof fast !== "string") return fast;
  if (backend === "fast-bpe") throw new NotSupportedError(`${jsonPath}: the fast BPE backend does not cover this file (${fast})`);
  return libraryTokenizer(jsonPath, json, metadata, fast);
}

/** Our byte-level or SentencePiece BPE for the file, or why neither takes it. */
function fastTokenizer(path: string, json: TokenizerJson, metadata: TokenMetadata): Tokenizer | string {
  if (json.model.type !== "BPE") return `model type ${json.model.type}`;
  const vocabulary = readBpeVocabulary(json.model as unknown as BpeModelJson, path);
  if (typeof vocabulary === "string") return vocabulary;
  const byteLevel = planFastBpe(json, vocabulary);
  if ("plan" in byteLevel) return new FastBpeTokenizer(path, byteLevel.plan, json.added_tokens ?? [], metadata);
  const sentencePiece = planSentencePieceBpe(json, vocabulary);
  if ("plan" in sentencePiece) return new SentencePieceBpeTokenizer(path, sentencePiece.plan, json.added_tokens ?? [], metadata);
  return `not byte-level: ${byteLevel.unsupported}; not SentencePiece-style: ${sentencePiece.unsupported}`;
}

function libraryTokenizer(...args: ConstructorParameters<typeof LibraryTokenizer>): LibraryTokenizer {
  try {
    return new LibraryTokenizer(...args);
  } catch (error) {
    throw new InputFileError(args[0], `@huggingface/tokenizers cannot load it (${(error as Error).message})`);
  }
}
