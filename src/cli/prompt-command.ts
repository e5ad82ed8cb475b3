import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {InputFileError, UsageError} from "../errors/index.js";
import {
  loadChatTemplate,
  normalizeConversation,
  renderChatPrompt,
  renderTrainingString,
  resolvePromptType,
  stopStrings,
  type ChatHistory,
  type ChatTemplate
} from "../prompts/index.js";
import {parseLiteral} from "../util/index.js";
import type {CommandIo} from "./command.js";
import {defineCommand} from "./command.js";

/** `--history=JSON` or `--history=@FILE`: JSON or a Python literal, pairs or OpenAI-style messages. */
async function readHistory(value: string, io: CommandIo): Promise<{history: ChatHistory; system?: string}> {
  let text = value;
  let what = "--history";
  if (value.startsWith("@")) {
    const path = resolve(io.cwd, value.slice(1));
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new InputFileError(path, `cannot be read (${(error as {code?: string}).code ?? String(error)})`);
    }
    what = path;
  }
  const parsed = parseLiteral(text, what);
  if (!Array.isArray(parsed) || !parsed.every((item) => item != null && typeof item === "object" && !Array.isArray(item)))
    return {history: parsed as ChatHistory};
  const messages = normalizeConversation(parsed, what);
  const system = messages[0]?.role === "system" ? messages.shift()!.content : undefined;
  const history: [string | null, string | null][] = [];
  for (const message of messages) {
    if (message.role === "user") history.push([message.content, null]);
    else if (message.role === "assistant" && history.length > 0 && history.at(-1)![1] == null) history.at(-1)![1] = message.content;
    else throw new UsageError(`${what}: messages must alternate user and assistant after an optional first system message`);
  }
  return {history, system};
}

export const promptCommand = defineCommand({
  name: "prompt",
  summary: "print the prompt h2oGPT builds for a prompt type: a training string or a chat prompt",
  usage: [
    "h2ogpt prompt --prompt_type=T [--system_prompt=S] [--prompt_dict=JSON] [--chat_template=FILE]",
    "              ([--instruction=I] [--input=X] [--output=O] | --history=JSON|@FILE) [--json]",
    "Prints the prompt and nothing else. With --output it is the training string; with --history",
    "([[user, bot], ..., [user, null]] or [{role, content}, ...]) the chat prompt; otherwise the",
    "single-turn prompt. --json prints {\"prompt\", \"stop\", \"prompt_type\"}. Types: h2ogpt prompt-types."
  ],
  flags: {
    prompt_type: {kind: "string", description: "prompt type name or number (h2ogpt prompt-types)"},
    system_prompt: {kind: "string", description: "'auto' = the type's default, '' = none, or the text", defaultText: "auto"},
    prompt_dict: {kind: "string", description: "for prompt_type=custom: h2oGPT's prompt_dict as JSON or a Python dict"},
    chat_template: {
      kind: "string",
      description: "for prompt_type unknown/template: a Jinja file, a tokenizer_config.json (or its folder) or a .gguf"
    },
    instruction: {kind: "string", description: "the record's instruction"},
    input: {kind: "string", description: "the record's input"},
    output: {kind: "string", description: "the record's output: print the training string"},
    history: {kind: "string", description: "chat history as JSON, or @FILE"},
    json: {kind: "boolean", description: "print {\"prompt\", \"stop\", \"prompt_type\"} as JSON"}
  },
  async run(args, io) {
    const {flags} = args;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
    const record = flags.instruction != null || flags.input != null || flags.output != null;
    if (flags.history != null && record) throw new UsageError("use --history or --instruction/--input/--output, not both");
    if (flags.history == null && !record) throw new UsageError("give --instruction and/or --input (with --output for a training string), or --history");

    const chatTemplate: ChatTemplate | undefined =
      flags.chat_template == null ? undefined : await loadChatTemplate(resolve(io.cwd, flags.chat_template));
    const promptTypeFlag = flags.prompt_type ?? (chatTemplate != null ? "unknown" : undefined);
    if (promptTypeFlag == null) throw new UsageError("--prompt_type is required (see h2ogpt prompt-types)");
    const row = resolvePromptType(promptTypeFlag);
    const format = {promptType: promptTypeFlag, promptDict: flags.prompt_dict, systemPrompt: flags.system_prompt, chatTemplate};

    let prompt: string;
    let stop: readonly string[];
    if (flags.history != null) {
      const {history, system} = await readHistory(flags.history, io);
      const chat = renderChatPrompt({...format, systemPrompt: flags.system_prompt ?? system, history});
      prompt = chat.prompt;
      stop = chat.stop;
    } else {
      const training = renderTrainingString({
        ...format,
        record: {instruction: flags.instruction, input: flags.input, output: flags.output}
      });
      prompt = training.text;
      stop = stopStrings(format);
    }
    io.stdout.write(flags.json ? JSON.stringify({prompt, stop, prompt_type: row.name}) : prompt);
  }
});
