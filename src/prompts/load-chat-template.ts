import {open, readFile, stat} from "node:fs/promises";
import {extname, join} from "node:path";
import {InputFileError} from "../errors/index.js";
import {ggufMetadataValue, isGgufFile, readGguf} from "../gguf/index.js";
import {compileChatTemplate, type ChatTemplate} from "./chat-template.js";

export interface LoadChatTemplateOptions {
  /** Which of several named templates (tokenizer_config.json's list form, GGUF `tokenizer.chat_template.NAME`). */
  readonly name?: string;
}

function describe(error: unknown): string {
  const code = (error as {code?: unknown}).code;
  return typeof code === "string" ? `cannot be read (${code})` : `cannot be read (${String(error)})`;
}

/** tokenizer_config.json writes special tokens as a string or as an AddedToken object. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value != null && typeof value === "object" && typeof (value as {content?: unknown}).content === "string")
    return (value as {content: string}).content;
  return undefined;
}

function fromTokenizerConfig(path: string, text: string, name: string | undefined): ChatTemplate {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(path, `is not JSON (${(error as Error).message})`);
  }
  if (config == null || typeof config !== "object" || Array.isArray(config)) throw new InputFileError(path, "is not a JSON object");
  const {chat_template: chatTemplate, bos_token: bos, eos_token: eos} = config as Record<string, unknown>;
  let template: unknown = chatTemplate;
  if (Array.isArray(chatTemplate)) {
    const wanted = name ?? "default";
    const names = chatTemplate.map((entry) => (entry as {name?: unknown})?.name);
    template = (chatTemplate.find((entry) => (entry as {name?: unknown})?.name === wanted) as {template?: unknown} | undefined)
      ?.template;
    if (template == null) throw new InputFileError(path, `has no chat template named '${wanted}' (it has: ${names.join(", ")})`);
  }
  if (typeof template !== "string" || template === "") throw new InputFileError(path, "has no chat_template");
  return {template, bosToken: tokenText(bos), eosToken: tokenText(eos), source: path};
}

async function fromGguf(path: string, name: string | undefined): Promise<ChatTemplate> {
  const file = await readGguf(path);
  const key = name == null ? "tokenizer.chat_template" : `tokenizer.chat_template.${name}`;
  const template = ggufMetadataValue(file, key);
  if (typeof template !== "string" || template === "") throw new InputFileError(path, `has no ${key}`);
  const tokens = ggufMetadataValue(file, "tokenizer.ggml.tokens");
  const token = (idKey: string): string | undefined => {
    const id = ggufMetadataValue(file, idKey);
    return Array.isArray(tokens) && typeof id === "number" && typeof tokens[id] === "string" ? (tokens[id] as string) : undefined;
  };
  return {
    template,
    bosToken: token("tokenizer.ggml.bos_token_id"),
    eosToken: token("tokenizer.ggml.eos_token_id"),
    source: path
  };
}

/**
 * A chat template from a Jinja text file, a tokenizer_config.json (its `chat_template`, a string or a list of
 * named templates; a folder means its tokenizer_config.json) or a GGUF (`tokenizer.chat_template`), with the
 * bos/eos tokens the template may print. The template is parsed here, so a broken one fails early.
 */
export async function loadChatTemplate(path: string, options: LoadChatTemplateOptions = {}): Promise<ChatTemplate> {
  let file = path;
  let template: ChatTemplate;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, "tokenizer_config.json");
    if (await isGgufFile(file)) {
      template = await fromGguf(file, options.name);
    } else {
      const text = await readFile(file, "utf8");
      template =
        extname(file).toLowerCase() === ".json" ? fromTokenizerConfig(file, text, options.name) : {template: text, source: file};
    }
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    if ((error as {code?: unknown}).code != null) throw new InputFileError(file, describe(error), {cause: error});
    throw error;
  }
  compileChatTemplate(template);
  return template;
}
