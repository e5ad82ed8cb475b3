import {open, readFile, rename, rm} from "node:fs/promises";
import {basename, dirname, extname, join, resolve} from "node:path";
import {createInterface} from "node:readline";
import {createEngine, type Engine} from "../engine/index.js";
import {InputFileError, UsageError} from "../errors/index.js";
import {evaluateRecord, generateStream, messagesToChat, readEvalRecords, type GenerateOptions, type GenerateResult} from "../generate/index.js";
import {parseDictLiteral, parseLiteral, temporaryPathFor} from "../util/index.js";
import type {CommandIo} from "./command.js";
import {defineCommand} from "./command.js";
import {ENGINE_FLAGS, GENERATION_FLAGS, PROMPT_FLAGS, engineOptionsFromFlags, generationParamsFromFlags, promptOptionsFromFlags} from "./engine-flags.js";
import {createProgress} from "./progress.js";

type Pair = readonly [string | null, string | null];
type Settings = Omit<GenerateOptions, "engine" | "instruction" | "iinput" | "history" | "messages" | "prompt" | "signal">;

/** Exit code for an answer cut short by Ctrl-C, as shells report SIGINT. */
const INTERRUPTED = 130;

/** `--history=JSON|@FILE`: `[[user, bot], ...]` (a last `[user, null]` is the message to answer) or OpenAI messages. */
async function readHistory(value: string, io: CommandIo): Promise<{history: Pair[]; pending?: string; systemPrompt?: string}> {
  let text = value;
  let what = "--history";
  if (value.startsWith("@")) {
    const path = resolve(io.cwd, value.slice(1));
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new InputFileError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    what = path;
  }
  const parsed = parseLiteral(text, what);
  if (!Array.isArray(parsed)) throw new UsageError(`${what}: expected a list of [user, bot] pairs or of {role, content} messages`);
  if (parsed.length > 0 && parsed.every((item) => item != null && typeof item === "object" && !Array.isArray(item))) {
    const chat = messagesToChat(parsed as {role: string; content: string}[]);
    return {history: chat.history, pending: chat.instruction, systemPrompt: chat.systemPrompt};
  }
  const pairs = parsed.map((pair, i): Pair => {
    const ok = Array.isArray(pair) && pair.length === 2 && pair.every((part) => part == null || typeof part === "string");
    if (!ok) throw new UsageError(`${what}[${i}]: expected a [user, bot] pair of strings`);
    return [pair[0] as string | null, pair[1] as string | null];
  });
  const last = pairs.at(-1);
  if (last != null && last[1] == null && last[0] != null) return {history: pairs.slice(0, -1), pending: last[0]};
  return {history: pairs};
}

function resultJson(result: GenerateResult): string {
  return JSON.stringify({
    response: result.response,
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    max_new_tokens: result.maxNewTokens,
    stop_reason: result.stopReason,
    turns_dropped: result.turnsDropped
  });
}

async function answerOnce(engine: Engine, settings: Settings, flags: {instruction?: string; iinput?: string; history?: string; json?: boolean}, io: CommandIo): Promise<number> {
  const given = flags.history == null ? {history: [] as Pair[]} : await readHistory(flags.history, io);
  const instruction = flags.instruction ?? given.pending;
  if (instruction == null) throw new UsageError("give --instruction (or a --history that ends with [message, null])");
  const {stream, result} = generateStream({
    ...settings,
    systemPrompt: settings.systemPrompt ?? given.systemPrompt,
    engine,
    instruction,
    iinput: flags.iinput,
    history: given.history,
    signal: io.signal
  });
  for await (const delta of stream) if (!flags.json) io.stdout.write(delta);
  const final = await result;
  io.stdout.write(flags.json ? `${resultJson(final)}\n` : "\n");
  if (final.turnsDropped > 0 && !flags.json) io.stderr.write(`h2ogpt generate: left out the ${final.turnsDropped} oldest history turn(s) to fit the context\n`);
  return final.stopReason === "abort" ? INTERRUPTED : 0;
}

async function chat(engine: Engine, settings: Settings, io: CommandIo): Promise<number> {
  const interactive = io.stdin.isTTY === true;
  const prompt = (): void => {
    if (interactive) io.stdout.write("\n> ");
  };
  if (interactive)
    io.stdout.write(`Chatting with ${engine.info.name}. Type a message and press Enter; /clear forgets the conversation; Ctrl-D quits.\n`);
  const history: [string, string][] = [];
  const lines = createInterface({input: io.stdin, terminal: false});
  // Ctrl-C while waiting for a line ends the chat too, not only a running answer.
  const stop = (): void => lines.close();
  io.signal.addEventListener("abort", stop, {once: true});
  prompt();
  try {
    for await (const line of lines) {
      if (io.signal.aborted) break;
      const message = line.trim();
      if (message === "") {
        prompt();
        continue;
      }
      if (message === "/exit" || message === "/quit") break;
      if (message === "/clear") {
        history.length = 0;
        io.stderr.write("(conversation cleared)\n");
        prompt();
        continue;
      }
      const {stream, result} = generateStream({...settings, engine, instruction: line, history, signal: io.signal});
      for await (const delta of stream) io.stdout.write(delta);
      const final = await result;
      io.stdout.write("\n");
      if (final.turnsDropped > 0) io.stderr.write(`(the ${final.turnsDropped} oldest turn(s) no longer fit the context and were left out)\n`);
      if (final.stopReason === "abort") return INTERRUPTED;
      history.push([line, final.response]);
      prompt();
    }
  } finally {
    io.signal.removeEventListener("abort", stop);
    lines.close();
  }
  return io.signal.aborted ? INTERRUPTED : 0;
}

function defaultEvalPath(dataPath: string): string {
  const ext = extname(dataPath);
  return join(dirname(dataPath), `${basename(dataPath, ext)}.eval.jsonl`);
}

async function evaluate(engine: Engine, settings: Settings, flags: {data_path?: string; eval_filename?: string; data_col_dict?: string}, io: CommandIo): Promise<number> {
  if (flags.data_path == null) throw new UsageError("--eval needs --data_path=FILE (JSON or JSON Lines with instruction/input[/output])");
  const dataPath = resolve(io.cwd, flags.data_path);
  const columns = flags.data_col_dict == null ? {} : (parseDictLiteral(flags.data_col_dict, "--data_col_dict") as Record<string, string>);
  const records = await readEvalRecords(dataPath, columns);
  const outPath = resolve(io.cwd, flags.eval_filename ?? defaultEvalPath(dataPath));
  const tmp = temporaryPathFor(outPath);
  const file = await open(tmp, "w");
  const progress = createProgress({stream: io.stderr, label: "eval", total: records.length, unit: "records"});
  let done = 0;
  let failed = 0;
  try {
    for (const record of records) {
      if (io.signal.aborted) break;
      const line = await evaluateRecord(record, {...settings, engine, signal: io.signal});
      if ("error" in line) failed++;
      await file.write(`${JSON.stringify(line)}\n`);
      progress.update(++done, failed > 0 ? `${failed} failed` : undefined);
    }
    progress.finish();
    await file.close();
    // What was answered is kept even when Ctrl-C ends the run early.
    await rename(tmp, outPath);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(tmp, {force: true});
    throw error;
  }
  const stopped = done < records.length ? ` (stopped after ${done} of ${records.length})` : "";
  io.stderr.write(`h2ogpt generate: wrote ${done} answers to ${outPath}${stopped}${failed > 0 ? `; ${failed} record(s) failed, see "error"` : ""}\n`);
  return done < records.length ? INTERRUPTED : 0;
}

export const generateCommand = defineCommand({
  name: "generate",
  summary: "answer with a local GGUF model (llama.cpp) or an OpenAI-compatible server: one answer, a chat, or an eval run",
  usage: [
    "h2ogpt generate --base_model=M.gguf --instruction=I [--iinput=X] [--history=JSON|@FILE] [--json]",
    "h2ogpt generate --base_model=M.gguf --cli                      (interactive chat with streaming and history)",
    "h2ogpt generate --base_model=M.gguf --eval --data_path=F.jsonl  (answers every record; writes F.eval.jsonl)",
    "h2ogpt generate --inference_server=vllm:HOST:PORT --base_model=NAME --instruction=I",
    "",
    "The prompt is the prompt type's exact text (h2ogpt prompt shows it). Old history turns are left out to fit",
    "the context; a message that does not fit at all exits with code 3 and both numbers (or use --truncation=left).",
    "--json prints {response, prompt_tokens, completion_tokens, max_new_tokens, stop_reason, turns_dropped}."
  ],
  flags: {
    ...ENGINE_FLAGS,
    ...PROMPT_FLAGS,
    ...GENERATION_FLAGS,
    instruction: {kind: "string", description: "the message to answer"},
    iinput: {kind: "string", description: "extra input placed with the instruction (h2oGPT's iinput)"},
    history: {kind: "string", description: "earlier turns as JSON [[user, bot], ...] or messages, or @FILE"},
    json: {kind: "boolean", description: "print the result as one JSON object"},
    cli: {kind: "boolean", description: "interactive chat in the terminal (h2oGPT's --cli=True)"},
    eval: {kind: "boolean", description: "answer every record of --data_path and write JSON Lines"},
    data_path: {kind: "string", description: "records for --eval: JSON or JSON Lines with instruction, input, output"},
    data_col_dict: {kind: "string", description: "rename columns for --eval, e.g. {'question': 'instruction'}"},
    eval_filename: {kind: "string", description: "where --eval writes its JSON Lines", defaultText: "DATA.eval.jsonl"}
  },
  async run(args, io) {
    const {flags} = args;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
    const modes = [flags.cli && "--cli", flags.eval && "--eval", (flags.instruction != null || flags.history != null) && "--instruction"].filter(Boolean);
    if (modes.length > 1) throw new UsageError(`choose one of ${modes.join(", ")}`);
    if (modes.length === 0) throw new UsageError("give --instruction=TEXT, --cli or --eval --data_path=FILE (see --help)");
    const settings: Settings = {...(await promptOptionsFromFlags(flags, io)), ...generationParamsFromFlags(flags)};

    const engine = await createEngine(engineOptionsFromFlags(flags, io));
    try {
      if (flags.cli) return await chat(engine, settings, io);
      if (flags.eval) return await evaluate(engine, settings, flags, io);
      return await answerOnce(engine, settings, flags, io);
    } finally {
      await engine.close();
    }
  }
});
