import {readDataRecords, type DataItem} from "../data/index.js";
import {H2oGptError, UsageError} from "../errors/index.js";
import {type ScorePair, summarizeScores} from "../score/index.js";
import {defineCommand} from "./command.js";
import {openScoreModel, recordPair, type ScoreFields, scoreFields, summaryText} from "./score-flags.js";

/** Records scored together: one padded batch per backend call keeps the model busy without holding the file. */
const RECORDS_PER_CALL = 32;

interface Pending {
  readonly source: {file: string; line: number};
  readonly pair?: ScorePair;
  readonly error?: string;
}

export const scoreCommand = defineCommand({
  name: "score",
  summary: "score (question, answer) pairs with a reward model, as h2oGPT's --score_model",
  usage: [
    "h2ogpt score --score_model=PATH --question=Q --answer=A [--json]",
    "h2ogpt score --score_model=PATH --data_path=FILE [--data_col_dict=...] [--json]",
    "",
    "PATH: a folder with Optimum's model.onnx + tokenizer.json + config.json (e.g. OpenAssistant's",
    "reward-model-deberta-v3-large-v2 exported with optimum-cli), a GGUF reward model (h2ogpt finetune --reward),",
    "a GGUF reranker, or 'default'. The score is sigmoid(logit) of the pair, each cut to its last 4 * max_length",
    "characters, shown as h2oGPT does: Response Score: 87.3%.",
    "--data_path scores each record's instruction (+ input) against its output (or a conversation's last user",
    "message against the reply): one line per record, then the mean, median and a histogram (on stderr; with",
    "--json, JSON Lines and a final {\"summary\": ...} line)."
  ],
  flags: {
    score_model: {kind: "string", description: "the reward model (see above)"},
    question: {kind: "string", description: "the question"},
    answer: {kind: "string", description: "the answer to score"},
    data_path: {kind: "string", description: "records to score, in prepare's formats (JSON Lines, JSON, CSV/TSV, Parquet, a folder or a list)"},
    data_col_dict: {kind: "string", description: "rename columns as prepare does, e.g. {'response': 'output'}"},
    json: {kind: "boolean", description: "print JSON: {score, score_text} (number in [0, 1] or null)"},
    n_threads: {kind: "number", description: "CPU threads for the score model", defaultText: "onnxruntime's choice"}
  },
  async run({flags, positionals}, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
    if ((flags.score_model?.trim() ?? "") === "") throw new UsageError("--score_model is required (an ONNX folder, a GGUF reward model or reranker, or 'default')");
    const single = flags.question != null || flags.answer != null;
    if (single === (flags.data_path != null)) throw new UsageError("give either --question and --answer, or --data_path");
    if (single && (flags.question == null || flags.answer == null)) throw new UsageError("give both --question and --answer");
    const records = flags.data_path == null ? undefined : readDataRecords({dataPath: flags.data_path, dataColDict: flags.data_col_dict, cwd: io.cwd});
    const model = (await openScoreModel(flags, io))!;
    try {
      if (records === undefined) {
        const [fields] = await scoreFields(model, [{question: flags.question!, answer: flags.answer!}], io, "score");
        io.stdout.write(flags.json ? `${JSON.stringify(fields)}\n` : `${fields!.score_text}\n`);
        return 0;
      }
      const scores: (number | null)[] = [];
      const flush = async (pending: Pending[]) => {
        const scorable = pending.filter((item) => item.pair !== undefined);
        const fields = await scoreFields(model, scorable.map((item) => item.pair!), io, "score");
        let k = 0;
        for (const item of pending) {
          const result: ScoreFields | {error: string} = item.pair === undefined ? {error: item.error!} : fields[k++]!;
          scores.push("score" in result ? result.score : null);
          const where = `${item.source.file}:${item.source.line}`;
          io.stdout.write(flags.json ? `${JSON.stringify({source: item.source, ...result})}\n` : `${where}\t${"score_text" in result ? result.score_text : `error: ${result.error}`}\n`);
        }
      };
      let pending: Pending[] = [];
      for await (const item of records as AsyncIterable<DataItem>) {
        if (io.signal.aborted) break;
        if ("problem" in item) pending.push({source: item.source, error: `${item.problem.reason}: ${item.problem.detail}`});
        else {
          let pair: ScorePair | string;
          try {
            pair = recordPair(item.record);
          } catch (error) {
            pair = (error as Error).message;
          }
          pending.push(typeof pair === "string" ? {source: item.source, error: pair} : {source: item.source, pair});
        }
        if (pending.length >= RECORDS_PER_CALL) {
          await flush(pending);
          pending = [];
        }
      }
      await flush(pending);
      if (scores.length === 0) throw new H2oGptError("no records found in --data_path");
      const summary = summarizeScores(scores);
      if (flags.json) io.stdout.write(`${JSON.stringify({summary})}\n`);
      io.stderr.write(`${summaryText(summary)}\n`);
      return io.signal.aborted ? 130 : 0;
    } finally {
      await model.dispose();
    }
  }
});
