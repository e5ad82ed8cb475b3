import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {InputFileError} from "../../errors/index.js";
import type {TokenMetadata} from "../token-metadata.js";

/**
 * The metadata transformers reads beside tokenizer.json: tokenizer_config.json (special tokens, model_max_length,
 * chat_template), special_tokens_map.json, and chat_template.jinja / chat_template.json, which newer
 * transformers versions write instead of the config's chat_template.
 */

/** transformers' VERY_LARGE_INTEGER (int(1e30)) and friends mean "no limit stated". */
const UNSET_MAX_LENGTH = 1e20;

type Json = Record<string, unknown>;

async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputFileError(path, `cannot read (${(error as Error).message})`);
  }
}

async function readOptionalJson(path: string): Promise<Json | undefined> {
  const text = await readOptionalText(path);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InputFileError(path, "expected a JSON object");
  return parsed as Json;
}

/** A special token is written as its text or as an AddedToken object with `content`. */
function tokenText(value: unknown, path: string, field: string): string | undefined {
  if (value == null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "object" && typeof (value as Json).content === "string") return (value as Json).content as string;
  throw new InputFileError(path, `field '${field}' must be a string or an object with 'content'`);
}

/** `chat_template` is a string, or a list of named templates of which "default" is the one used for chat. */
function templateText(value: unknown, path: string): string | undefined {
  if (value == null) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value as {name?: unknown; template?: unknown}[];
    const chosen = named.find((entry) => entry?.name === "default") ?? named[0];
    if (typeof chosen?.template === "string") return chosen.template;
  }
  throw new InputFileError(path, "field 'chat_template' must be a string or a list of {name, template}");
}

export async function readTokenizerConfig(dir: string): Promise<TokenMetadata> {
  const configPath = join(dir, "tokenizer_config.json");
  const mapPath = join(dir, "special_tokens_map.json");
  const config = (await readOptionalJson(configPath)) ?? {};
  const map = (await readOptionalJson(mapPath)) ?? {};
  const special = (field: string) => tokenText(config[field], configPath, field) ?? tokenText(map[field], mapPath, field);

  const jinjaPath = join(dir, "chat_template.jinja");
  const templateJsonPath = join(dir, "chat_template.json");
  const templateJson = await readOptionalJson(templateJsonPath);
  const chatTemplate =
    templateText(config.chat_template, configPath) ??
    (await readOptionalText(jinjaPath)) ??
    templateText(templateJson?.chat_template, templateJsonPath);

  const maxLength = config.model_max_length;
  if (maxLength != null && (typeof maxLength !== "number" || !(maxLength > 0))) {
    throw new InputFileError(configPath, `field 'model_max_length' must be a positive number, got ${JSON.stringify(maxLength)}`);
  }
  return {
    bosToken: special("bos_token"),
    eosToken: special("eos_token"),
    padToken: special("pad_token"),
    modelMaxLength: maxLength == null || maxLength >= UNSET_MAX_LENGTH ? undefined : maxLength,
    chatTemplate,
    cleanUpTokenizationSpaces: config.clean_up_tokenization_spaces === true
  };
}
