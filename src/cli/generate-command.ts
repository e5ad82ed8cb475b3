import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {createInterface} from "node:readline";
import {createEngine, type Engine} from "../engine/index.js";
import {InputFileError, UsageError} from "../errors/index.js";
import {
  formatSources,
  generateStream,
  generateWithDocuments,
  messagesToChat,
  resultFields,
  sourceFields,
  type DocumentGenerateResult,
  type DocumentOptions,
  type GenerateOptions,
  type GenerateResult,
  type GenerateStream
} from "../generate/index.js";
import {parseLiteral} from "../util/index.js";
import type {CommandIo} from "./command.js";
import {defineCommand} from "./command.js";
import {ENGINE_FLAGS, GENERATION_FLAGS, PROMPT_FLAGS, engineOptionsFromFlags, generationParamsFromFlags, promptOptionsFromFlags} from "./engine-flags.js";
import {DOCUMENT_QA_FLAGS, documentQaFromFlags} from "./docs-flags.js";
import {evaluateDataPath} from "./evaluate-data-path.js";
import {withLocalModels} from "./model-flags.js";
import {createProgress} from "./progress.js";
import {openScoreModel, SCORE_FLAGS, type ScoreFields, scoreFields} from "./score-flags.js";
import type {ScoreModel} from "../score/index.js";

type Pair = readonly [string | null, string | null];
type Settings = Omit<GenerateOptions, "engine" | "instruction" | "iinput" | "context" | "history" | "messages" | "prompt" | "signal">;

/** Exit code for an answer cut short by Ctrl-C, as shells report SIGINT. */
const INTERRUPTED = 130;

/** A flag's text, or with `@FILE` the file's (UTF-8); `what` names it in errors. */
async function flagText(value: string, flag: string, io: CommandIo): Promise<{text: string; what: string}> {
  if (!value.startsWith("@")) return {text: value, what: flag};
  const path = resolve(io.cwd, value.slice(1));
  try {
    return {text: await readFile(path, "utf8"), what: path};
  } catch (error) {
    throw new InputFileError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** `--history=JSON|@FILE`: `[[user, bot], ...]` (a last `[user, null]` is the message to answer) or OpenAI messages. */
async function readHistory(value: string, io: CommandIo): Promise<{history: Pair[]; pending?: string; systemPrompt?: string}> {
  const {text, what} = await flagText(value, "--history", io);
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

/** One answer: from the documents when a collection is chosen (with map-reduce progress on stderr), else the model alone. */
function answer(options: GenerateOptions, documents: DocumentOptions | undefined, io: CommandIo): GenerateStream & {result: Promise<GenerateResult & Partial<DocumentGenerateResult>>} {
  if (documents == null) return generateStream(options);
  let progress: ReturnType<typeof createProgress> | undefined;
  const run = generateWithDocuments({
    ...options,
    ...documents,
    onProgress(state) {
      progress ??= createProgress({stream: io.stderr, label: documents.langchainAction?.toLowerCase() ?? "summarize", total: state.total, unit: "prompts"});
      progress.update(state.done, state.stage);
    }
  });
  return {stream: run.stream, result: run.result.finally(() => progress?.finish())};
}

/** What follows an answer: h2oGPT's sources block (text) and a note on stderr when the documents did not answer. */
function reportSources(final: Partial<DocumentGenerateResult>, io: CommandIo): string {
  if (final.note != null) io.stderr.write(`h2ogpt generate: ${final.note}\n`);
  return final.sources != null && final.sources.length > 0 && final.note == null ? `\n\n${formatSources(final.sources)}` : "";
}

function jsonLine(final: GenerateResult & Partial<DocumentGenerateResult>, score: ScoreFields | undefined): string {
  // The prompt type used, so one detected from the model (its name, or what h2ogpt finetune stored) is visible.
  const fields = {...resultFields(final), prompt_type: final.promptType, ...score};
  if (final.langchainMode == null) return JSON.stringify(fields);
  return JSON.stringify({
    ...fields,
    langchain_mode: final.langchainMode,
    langchain_action: final.langchainAction,
    prompt_raw: final.promptRaw,
    sources: (final.sources ?? []).map(sourceFields),
    chunks_used: final.chunksUsed,
    chunks_dropped: final.chunksDropped,
    ...(final.note == null ? {} : {note: final.note})
  });
}

async function answerOnce(
  engine: Engine,
  settings: Settings,
  context: string | undefined,
  flags: {instruction?: string; iinput?: string; history?: string; json?: boolean; langchain_action?: string},
  documents: DocumentOptions | undefined,
  scoreModel: ScoreModel | undefined,
  io: CommandIo
): Promise<number> {
  const given = flags.history == null ? {history: [] as Pair[]} : await readHistory(flags.history, io);
  // Summarize and Extract need no instruction; one given focuses them.
  const instruction = flags.instruction ?? given.pending ?? (documents != null && documents.langchainAction !== "Query" && documents.langchainAction != null ? "" : undefined);
  if (instruction == null) throw new UsageError("give --instruction (or a --history that ends with [message, null])");
  const {stream, result} = answer({
    ...settings,
    systemPrompt: settings.systemPrompt ?? given.systemPrompt,
    engine,
    instruction,
    iinput: flags.iinput,
    context,
    history: given.history,
    signal: io.signal
  }, documents, io);
  for await (const delta of stream) if (!flags.json) io.stdout.write(delta);
  const final = await result;
  const question = flags.iinput == null || flags.iinput === "" ? instruction : `${instruction}\n${flags.iinput}`;
  const [score] = scoreModel === undefined ? [] : await scoreFields(scoreModel, [{question, answer: final.response}], io, "generate");
  io.stdout.write(flags.json ? `${jsonLine(final, score)}\n` : `${reportSources(final, io)}\n`);
  if (score !== undefined && !flags.json) io.stderr.write(`${score.score_text}\n`);
  if (final.turnsDropped > 0 && !flags.json) io.stderr.write(`h2ogpt generate: left out the ${final.turnsDropped} oldest history turn(s) to fit the context\n`);
  return final.stopReason === "abort" ? INTERRUPTED : 0;
}

export interface ChatOptions {
  readonly engine: Engine;
  readonly settings: Settings;
  /** Stays in front of the conversation as it grows. */
  readonly context?: string;
  readonly documents?: DocumentOptions;
  /** h2oGPT's keep_sources_in_context: the sources block stays in the history the model sees next. */
  readonly keepSources: boolean;
  /** Scores each finished answer (its line goes to stderr). */
  readonly scoreModel?: ScoreModel;
  readonly io: CommandIo;
}

const CHAT_HELP = [
  "/help   this list",
  "/clear  forget the conversation",
  "/exit   quit (also /quit or Ctrl-D)",
  "Ctrl-C  stop the answer being written; at the prompt (or a second time), quit"
].join("\n");

/**
 * An interactive chat. Ctrl-C while an answer is written stops that answer (its text so far stays in the
 * conversation, as h2oGPT's Stop button leaves it); Ctrl-C at the prompt, or twice, ends the chat with 130.
 */
export async function chat(options: ChatOptions): Promise<number> {
  const {engine, settings, context, documents, keepSources, io} = options;
  const interactive = io.stdin.isTTY === true;
  const prompt = (): void => {
    if (interactive) io.stdout.write("\n> ");
  };
  if (interactive)
    io.stdout.write(`Chatting with ${engine.info.name}. Type a message and press Enter; /help lists the commands; Ctrl-D quits.\n`);
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
      if (message === "/help") {
        io.stdout.write(`${CHAT_HELP}\n`);
        prompt();
        continue;
      }
      if (message === "/clear") {
        history.length = 0;
        io.stderr.write("(conversation cleared)\n");
        prompt();
        continue;
      }
      const stopAnswer = new AbortController();
      const release = io.onInterrupt?.(() => stopAnswer.abort(new Error("answer stopped")));
      let final: Awaited<ReturnType<typeof answer>["result"]>;
      try {
        const {stream, result} = answer({...settings, engine, instruction: line, context, history, signal: AbortSignal.any([io.signal, stopAnswer.signal])}, documents, io);
        for await (const delta of stream) io.stdout.write(delta);
        final = await result;
      } finally {
        release?.();
      }
      const sources = reportSources(final, io);
      io.stdout.write(`${sources}\n`);
      if (options.scoreModel !== undefined && final.stopReason !== "abort") {
        const [score] = await scoreFields(options.scoreModel, [{question: line, answer: final.response}], io, "generate");
        io.stderr.write(`${score!.score_text}\n`);
      }
      if (final.turnsDropped > 0) io.stderr.write(`(the ${final.turnsDropped} oldest turn(s) no longer fit the context and were left out)\n`);
      if (io.signal.aborted) return INTERRUPTED;
      if (final.stopReason === "abort") io.stderr.write("(answer stopped)\n");
      // h2oGPT strips the sources block from the history the model sees next, unless keep_sources_in_context.
      history.push([line, keepSources ? final.response + sources : final.response]);
      prompt();
    }
  } finally {
    io.signal.removeEventListener("abort", stop);
    lines.close();
  }
  return io.signal.aborted ? INTERRUPTED : 0;
}

export const generateCommand = defineCommand({
  name: "generate",
  summary: "answer with a local GGUF model (llama.cpp) or an OpenAI-compatible server: one answer, a chat, or an eval run",
  usage: [
    "h2ogpt generate --base_model=M.gguf --instruction=I [--iinput=X] [--context=TEXT|@FILE] [--history=JSON|@FILE] [--json]",
    "h2ogpt generate --base_model=M.gguf --cli                      (interactive chat with streaming and history)",
    "h2ogpt generate --base_model=M.gguf --eval --data_path=F        (answers every record; writes F.eval.jsonl)",
    "h2ogpt generate --inference_server=vllm:HOST:PORT --base_model=NAME --instruction=I",
    "h2ogpt generate --base_model=hf:OWNER/REPO:QUANT --instruction=I   (downloaded once into --models_dir; see h2ogpt models)",
    "",
    "The prompt is the prompt type's exact text (h2ogpt prompt shows it). Old history turns are left out to fit",
    "the context; a message (with its --context) that does not fit at all exits with code 3 and both numbers (or use",
    "--truncation=left, which cuts the start of the context, then of the message).",
    "--json prints {response, prompt_tokens, completion_tokens, max_new_tokens, stop_reason, turns_dropped, prompt_type}.",
    "--score_model=PATH scores the answer (h2ogpt score --help): --json adds \"score\" and \"score_text\"; --eval adds",
    "them to every line and prints the mean, median and a histogram at the end.",
    "",
    "h2ogpt generate --langchain_mode=UserData --instruction=\"How many vacation days carry over?\" [--json]",
    "h2ogpt generate --langchain_mode=MyData --langchain_action=Summarize [--document_choice=SOURCE]",
    "Answers from a collection made with h2ogpt ingest, with h2oGPT's document prompts; the sources used follow the",
    "answer (--json: \"sources\", \"langchain_mode\", \"prompt_raw\"). Summarize and Extract map-reduce documents larger",
    "than the context."
  ],
  flags: {
    ...ENGINE_FLAGS,
    ...PROMPT_FLAGS,
    ...GENERATION_FLAGS,
    instruction: {kind: "string", description: "the message to answer"},
    iinput: {kind: "string", description: "extra input placed with the instruction under the prompt type's input marker (h2oGPT's iinput)"},
    context: {kind: "string", description: "h2oGPT's context: text put before the conversation, e.g. earlier turns already in the prompt type's format; @FILE reads a file"},
    history: {kind: "string", description: "earlier turns as JSON [[user, bot], ...] or messages, or @FILE"},
    json: {kind: "boolean", description: "print the result as one JSON object"},
    cli: {kind: "boolean", description: "interactive chat in the terminal (h2oGPT's --cli=True)"},
    eval: {kind: "boolean", description: "answer every record of --data_path and write JSON Lines"},
    data_path: {kind: "string", description: "records for --eval, as h2ogpt prepare reads them: JSON Lines, JSON, CSV/TSV, Parquet (.gz), a folder or a comma-separated list"},
    data_col_dict: {kind: "string", description: "rename columns for --eval as prepare does, e.g. {'question': 'instruction'}"},
    eval_filename: {kind: "string", description: "where --eval writes its JSON Lines", defaultText: "DATA.eval.jsonl"},
    ...DOCUMENT_QA_FLAGS,
    ...SCORE_FLAGS
  },
  async run(args, io) {
    let {flags} = args;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
    const modes = [flags.cli && "--cli", flags.eval && "--eval", (flags.instruction != null || flags.history != null) && "--instruction"].filter(Boolean);
    if (modes.length > 1) throw new UsageError(`choose one of ${modes.join(", ")}`);
    if (modes.length === 0) throw new UsageError("give --instruction=TEXT, --cli or --eval --data_path=FILE (see --help)");
    flags = await withLocalModels(flags, io, "generate");
    const settings: Settings = {...(await promptOptionsFromFlags(flags, io)), ...generationParamsFromFlags(flags)};

    const openEngine = () => createEngine(engineOptionsFromFlags(flags, io));
    if (flags.eval) {
      if (flags.context != null) throw new UsageError("--context applies to --instruction and --cli; --eval records carry their own 'context' field");
      if (flags.data_path == null) throw new UsageError("--eval needs --data_path=FILE (a file, a comma-separated list or a folder, in prepare's formats)");
    }
    const qa = await documentQaFromFlags(flags, io, flags.n_threads);
    let scoreModel: ScoreModel | undefined;
    try {
      scoreModel = await openScoreModel(flags, io);
      const documents = qa == null ? undefined : {...qa.options, retriever: qa.retriever};
      if (flags.eval)
        return await evaluateDataPath({dataPath: flags.data_path!, dataColDict: flags.data_col_dict, evalFilename: flags.eval_filename, settings: {...settings, documents}, openEngine, scoreModel, io});
      const context = flags.context == null ? undefined : (await flagText(flags.context, "--context", io)).text;
      const engine = await openEngine();
      if (engine.info.notice != null) io.stderr.write(`note: ${engine.info.notice}\n`);
      try {
        if (flags.cli) return await chat({engine, settings, context, documents, keepSources: flags.keep_sources_in_context ?? false, scoreModel, io});
        return await answerOnce(engine, settings, context, flags, documents, scoreModel, io);
      } finally {
        await engine.close();
      }
    } finally {
      await scoreModel?.dispose();
      await qa?.manager.close();
    }
  }
});
