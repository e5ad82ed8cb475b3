import {readFile} from "node:fs/promises";
import {dirname} from "node:path";
import {InputFileError, NotSupportedError} from "../../errors/index.js";
import {withConventionalTokens} from "../token-metadata.js";
import type {Tokenizer} from "../tokenizer.js";
import {FastBpeTokenizer} from "./fast-bpe-tokenizer.js";
import {planFastBpe} from "./fast-bpe-plan.js";
import {LibraryTokenizer} from "./library-tokenizer.js";
import {readTokenizerConfig} from "./tokenizer-config.js";
import {parseTokenizerJson} from "./tokenizer-json.js";

export type HfBackendChoice = "auto" | "fast-bpe" | "huggingface-tokenizers";

/** A tokenizer.json (+ the config files beside it) with our fast path when it covers the file, else the library. */
export async function loadHfTokenizer(jsonPath: string, backend: HfBackendChoice): Promise<Tokenizer> {
  let text: string;
  try {
    text = await readFile(jsonPath, "utf8");
  } catch (error) {
    throw new InputFileError(jsonPath, `cannot read (${(error as Error).message})`);
  }
  const json = parseTokenizerJson(text, jsonPath);
  const specials = (json.added_tokens ?? []).filter((token) => token.special === true).map(({id, content}) => ({id, content}));
  const metadata = withConventionalTokens(await readTokenizerConfig(dirname(jsonPath)), specials);
  if (backend === "huggingface-tokenizers") return libraryTokenizer(jsonPath, json, metadata, "chosen by the caller");
  const planned = planFastBpe(json, jsonPath);
  if ("plan" in planned) return new FastBpeTokenizer(jsonPath, planned.plan, json.added_tokens ?? [], metadata);
  if (backend === "fast-bpe") throw new NotSupportedError(`${jsonPath}: the fast BPE backend does not cover this file (${planned.unsupported})`);
  return libraryTokenizer(jsonPath, json, metadata, planned.unsupported);
}

function libraryTokenizer(...args: ConstructorParameters<typeof LibraryTokenizer>): LibraryTokenizer {
  try {
    return new LibraryTokenizer(...args);
  } catch (error) {
    throw new InputFileError(args[0], `@huggingface/tokenizers cannot load it (${(error as Error).message})`);
  }
}
