import {open, rename, rm} from "node:fs/promises";
import {basename, dirname, extname, join, resolve} from "node:path";
import {readDataRecords, type DataItem} from "../data/index.js";
import type {Engine} from "../engine/index.js";
import {H2oGptError, UsageError} from "../errors/index.js";
import {evaluateRecord, type DocumentOptions, type GenerateInput, type GenerateOptions} from "../generate/index.js";
import {temporaryPathFor} from "../util/index.js";
import type {CommandIo} from "./command.js";
import {createProgress} from "./progress.js";
import {recordPair, scoreFields, summaryText} from "./score-flags.js";
import {summarizeScores, type ScoreModel} from "../score/index.js";

/** Exit code for a run cut short by Ctrl-C, as shells report SIGINT. */
const INTERRUPTED = 130;

export interface EvaluateDataPathOptions {
  /** `--data_path` as given: a file, a comma-separated list or a folder, in prepare's input formats. */
  readonly dataPath: string;
  readonly dataColDict?: string;
  /** Where the JSON Lines go; default `DATA.eval.jsonl` beside a single data path. */
  readonly evalFilename?: string;
  /** The run's prompt and generation settings; a record's own prompt_type / prompt_dict / system_prompt win. */
  readonly settings: Omit<GenerateOptions, keyof GenerateInput | "engine" | "signal"> & {readonly documents?: DocumentOptions};
  /** Opened once the records are known to be readable, so a bad path fails before a model loads; closed here. */
  readonly openEngine: () => Promise<Engine>;
  /** Adds `score` / `score_text` to every answered line and a summary at the end (`--score_model`). */
  readonly scoreModel?: ScoreModel;
  readonly io: CommandIo;
}

/**
 * A failure that is not about one record (the engine failing, a setting it cannot do) stopped the run after some
 * answers were written: one line with the cause, how far the run got and where the finished answers are. The
 * exit code is the cause's.
 */
export class EvalStoppedError extends H2oGptError {
  override readonly exitCode: number;

  constructor(
    cause: unknown,
    readonly done: number,
    readonly total: number,
    readonly outPath: string
  ) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0]! : String(cause);
    super(`${reason} (stopped after ${done} of ${total} record(s); wrote them to ${outPath})`, {cause});
    this.exitCode = cause instanceof H2oGptError ? cause.exitCode : 1;
  }
}

function defaultEvalPath(dataPath: string, io: CommandIo): string {
  if (dataPath.includes(",")) throw new UsageError("--eval with several --data_path entries needs --eval_filename=FILE");
  const path = resolve(io.cwd, dataPath).replace(/\.gz$/i, "");
  return join(dirname(path), `${basename(path, extname(path))}.eval.jsonl`);
}

function problemLine(item: Extract<DataItem, {problem: unknown}>): object {
  return {source: item.source, error: `${item.problem.reason}: ${item.problem.detail}`};
}

/**
 * h2oGPT's eval mode: answers every record of `dataPath` and writes one JSON line per record, in input order, each
 * with its `source: {file, line}`. A record that cannot be used or answered is a line with `error`, counted and
 * reported. Progress on stderr; the file is written under a temporary name and renamed. Ctrl-C keeps the answers
 * finished so far (exit code 130); so does a failure that is not about one record, which then ends the run as an
 * EvalStoppedError (one line, the cause's exit code). With nothing finished, no file is written.
 */
export async function evaluateDataPath(options: EvaluateDataPathOptions): Promise<number> {
  const {io, dataPath, dataColDict} = options;
  const outPath = options.evalFilename == null ? defaultEvalPath(dataPath, io) : resolve(io.cwd, options.evalFilename);
  const read = (onWarning?: (message: string) => void): AsyncIterable<DataItem> => readDataRecords({dataPath, dataColDict, cwd: io.cwd, onWarning});

  // A first pass counts the records for progress (and finds a missing file or bad column map before a model
  // loads); reading is streamed, and cheap beside generating.
  let total = 0;
  const inputs = new Set<string>();
  for await (const item of read((message) => io.stderr.write(`h2ogpt generate: ${message}\n`))) {
    if (io.signal.aborted) {
      io.stderr.write("h2ogpt generate: interrupted before any record was answered\n");
      return INTERRUPTED;
    }
    inputs.add(item.source.file);
    total++;
  }
  // As prepare does: an empty input is a mistake, not a run with nothing to do.
  if (total === 0) throw new H2oGptError("no records found in --data_path");
  // The answers replace the output file when the run ends: that must never be a file being read.
  for (const input of inputs) if (resolve(io.cwd, input) === outPath) throw new UsageError(`--eval_filename ${outPath} is one of the --data_path files`);

  const engine = await options.openEngine();
  const tmp = temporaryPathFor(outPath);
  let done = 0;
  let failed = 0;
  let failure: {readonly error: unknown} | undefined;
  const scores: (number | null)[] = [];
  try {
    const file = await open(tmp, "w");
    const progress = createProgress({stream: io.stderr, label: "eval", total, unit: "records"});
    try {
      for await (const item of read()) {
        if (io.signal.aborted) break;
        let line: object;
        if ("problem" in item) line = problemLine(item);
        else {
          const answer = await evaluateRecord(item.record, {...options.settings, engine, signal: io.signal});
          // An answer Ctrl-C cut short is not a finished answer.
          if (io.signal.aborted) break;
          line = {source: item.source, ...answer};
          if (options.scoreModel !== undefined && "response" in answer) {
            const pair = recordPair(item.record);
            const question = typeof pair === "string" ? (answer.instruction ?? "") : pair.question;
            const [score] = await scoreFields(options.scoreModel, [{question, answer: answer.response}], io, "generate");
            scores.push(score!.score);
            line = {...line, ...score};
          }
        }
        if ("error" in line) failed++;
        await file.write(`${JSON.stringify(line)}\n`);
        progress.update(++done, failed > 0 ? `${failed} failed` : undefined);
      }
    } catch (error) {
      failure = {error};
    } finally {
      progress.finish();
      await file.close();
    }
    if (failure != null && done === 0) throw failure.error;
    // What was answered is kept when Ctrl-C or a failure ends the run early.
    await rename(tmp, outPath);
  } catch (error) {
    await rm(tmp, {force: true});
    throw error;
  } finally {
    await engine.close();
  }
  if (failure != null) throw new EvalStoppedError(failure.error, done, total, outPath);
  if (options.scoreModel !== undefined) io.stderr.write(`${summaryText(summarizeScores(scores))}\n`);
  const stopped = io.signal.aborted ? ` (stopped after ${done} of ${total})` : "";
  io.stderr.write(`h2ogpt generate: wrote ${done} record(s) to ${outPath}${stopped}${failed > 0 ? `; ${failed} record(s) failed, see "error"` : ""}\n`);
  return io.signal.aborted ? INTERRUPTED : 0;
}
