import {InputFileError} from "../../errors/index.js";

/** The parts of HF's tokenizer.json this project reads. Unknown component types are kept as plain objects. */

export interface AddedTokenJson {
  readonly id: number;
  readonly content: string;
  readonly special?: boolean;
  readonly single_word?: boolean;
  readonly lstrip?: boolean;
  readonly rstrip?: boolean;
  readonly normalized?: boolean;
}

export interface ComponentJson {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface BpeModelJson {
  readonly type: "BPE";
  readonly vocab: Readonly<Record<string, number>>;
  /** "a b" strings (format 1.0) or [a, b] pairs (newer files). */
  readonly merges: readonly (string | readonly [string, string])[];
  readonly dropout?: number | null;
  readonly unk_token?: string | null;
  readonly continuing_subword_prefix?: string | null;
  readonly end_of_word_suffix?: string | null;
  readonly fuse_unk?: boolean;
  readonly byte_fallback?: boolean;
  readonly ignore_merges?: boolean;
}

export interface TokenizerJson {
  readonly added_tokens?: readonly AddedTokenJson[];
  readonly normalizer?: ComponentJson | null;
  readonly pre_tokenizer?: ComponentJson | null;
  readonly post_processor?: ComponentJson | null;
  readonly decoder?: ComponentJson | null;
  readonly model: ComponentJson;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses and checks the shape of a tokenizer.json; every problem names the file and the field. */
export function parseTokenizerJson(text: string, path: string): TokenizerJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new InputFileError(path, "expected a JSON object (a Hugging Face tokenizer.json)");
  if (!isObject(parsed.model) || typeof parsed.model.type !== "string") {
    throw new InputFileError(path, "field 'model' is missing or has no 'type': not a Hugging Face tokenizer.json");
  }
  const added = parsed.added_tokens ?? [];
  if (!Array.isArray(added)) throw new InputFileError(path, "field 'added_tokens' must be a list");
  added.forEach((token: unknown, index) => {
    if (!isObject(token) || typeof token.content !== "string" || !Number.isInteger(token.id) || (token.id as number) < 0) {
      throw new InputFileError(path, `added_tokens[${index}] needs a string 'content' and a non-negative integer 'id'`);
    }
  });
  for (const field of ["normalizer", "pre_tokenizer", "post_processor", "decoder"] as const) {
    const value = parsed[field];
    if (value != null && (!isObject(value) || typeof value.type !== "string")) {
      throw new InputFileError(path, `field '${field}' must be null or an object with a 'type'`);
    }
  }
  if (parsed.model.type === "BPE" && (!isObject(parsed.model.vocab) || !Array.isArray(parsed.model.merges))) {
    throw new InputFileError(path, "a BPE model needs a 'vocab' object and a 'merges' list");
  }
  return parsed as unknown as TokenizerJson;
}

/** A merge as its two parts, whichever way the file spells it, or undefined when it is neither. */
export function mergeParts(merge: unknown): readonly [string, string] | undefined {
  if (typeof merge === "string") {
    const space = merge.indexOf(" ");
    return space < 0 ? undefined : [merge.slice(0, space), merge.slice(space + 1)];
  }
  if (Array.isArray(merge) && merge.length === 2 && typeof merge[0] === "string" && typeof merge[1] === "string") {
    return merge as [string, string];
  }
  return undefined;
}
